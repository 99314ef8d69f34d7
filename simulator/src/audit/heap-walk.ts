/**
 * Collects everything a virtual reader holds in RAM: every string and byte array reachable from its vm context's
 * globals, including variables captured in closures (an esbuild IIFE bundle keeps all its state in closures, which
 * plain reflection cannot see). Uses the in-process V8 inspector, whose Runtime domain answers synchronously.
 */
import inspector from 'node:inspector';

export interface HeldValue {
  /** Access path from the global object, e.g. "NRF.<scan cb>.[[Scopes]][0].queue[3]". */
  path: string;
  bytes: Uint8Array;
}

interface RemoteObject {
  type: string;
  subtype?: string;
  value?: unknown;
  objectId?: string;
  description?: string;
}
interface PropertyDescriptor {
  name: string;
  value?: RemoteObject;
  get?: RemoteObject;
}

const PROBE = '__bwAuditProbe';

export class HeapWalker {
  private readonly session = new inspector.Session();
  private readonly seen = new Set<string>();
  private readonly out: HeldValue[] = [];
  private budget: number;
  skipped = 0;

  constructor(maxObjects: number) {
    this.budget = maxObjects;
    this.session.connect();
    // Heap object ids (our identity for cycles and sharing) are assigned only while tracking is on.
    this.post('HeapProfiler.enable', {});
    this.post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: false });
  }

  // biome-ignore lint/suspicious/noExplicitAny: inspector protocol messages are untyped JSON
  private post(method: string, params: object): any {
    let result: unknown;
    let error: Error | null = null;
    let done = false;
    this.session.post(method, params, (err, res) => {
      error = err;
      result = res;
      done = true;
    });
    if (!done) throw new Error(`inspector ${method} did not answer synchronously`);
    if (error) throw error;
    return result;
  }

  /** Walks from `root` (a vm context's global object, or any object of it). */
  walk(root: object, rootName: string): HeldValue[] {
    const g = globalThis as Record<string, unknown>;
    g[PROBE] = root;
    try {
      const ev = this.post('Runtime.evaluate', { expression: `globalThis.${PROBE}` });
      this.visit(ev.result as RemoteObject, rootName, 0);
    } finally {
      delete g[PROBE];
    }
    return this.out;
  }

  close(): void {
    this.post('HeapProfiler.stopTrackingHeapObjects', { reportProgress: false });
    this.post('HeapProfiler.disable', {});
    this.session.disconnect();
  }

  private visit(o: RemoteObject, path: string, depth: number): void {
    try {
      this.visitUnsafe(o, path, depth);
    } catch {
      // Some inspector handles (e.g. scope entries of optimised-out variables) are not inspectable objects; they
      // hold nothing the firmware could read back either.
      this.skipped++;
    }
  }

  private visitUnsafe(o: RemoteObject, path: string, depth: number): void {
    if (o.type === 'string') {
      this.out.push({ path, bytes: new TextEncoder().encode(String(o.value)) });
      return;
    }
    if (!o.objectId || depth > 64 || this.budget <= 0) return;
    // The inspector hands out a new objectId per handle; the heap object id is what identifies the object.
    // Scope lists and scopes are inspector-made wrappers with no heap identity of their own; the objects they
    // hold do have one.
    if (!o.subtype?.startsWith('internal#')) {
      const heap = this.post('HeapProfiler.getHeapObjectId', { objectId: o.objectId });
      const id = String(heap.heapSnapshotObjectId);
      if (this.seen.has(id)) return;
      this.seen.add(id);
    }
    this.budget--;
    if (o.subtype === 'typedarray' || o.subtype === 'arraybuffer' || o.subtype === 'dataview') {
      const r = this.post('Runtime.callFunctionOn', {
        objectId: o.objectId,
        functionDeclaration:
          'function(){var b=this.buffer?new Uint8Array(this.buffer,this.byteOffset,this.byteLength):new Uint8Array(this);var a=[];for(var i=0;i<b.length;i++)a.push(b[i]);return a}',
        returnByValue: true,
      });
      this.out.push({ path, bytes: Uint8Array.from(r.result.value as number[]) });
      return;
    }
    const props = this.post('Runtime.getProperties', { objectId: o.objectId, ownProperties: true });
    for (const p of props.result as PropertyDescriptor[]) {
      if (p.value) this.visit(p.value, `${path}.${p.name}`, depth + 1);
    }
    for (const p of (props.internalProperties ?? []) as PropertyDescriptor[]) {
      if (
        p.name === '[[Scopes]]' ||
        p.name === '[[BoundThis]]' ||
        p.name === '[[BoundArgs]]' ||
        p.name === '[[Target]]'
      ) {
        if (p.value) this.visit(p.value, `${path}.${p.name}`, depth + 1);
      } else if (p.name === '[[PrimitiveValue]]' && p.value) {
        this.visit(p.value, `${path}.${p.name}`, depth + 1);
      }
    }
    for (const p of (props.privateProperties ?? []) as PropertyDescriptor[]) {
      if (p.value) this.visit(p.value, `${path}.#${p.name}`, depth + 1);
    }
  }
}

/**
 * Everything held by each vm context, as (path, bytes) pairs. Walk many contexts in one call: starting heap object
 * tracking costs a pass over the whole heap, so it is paid once per audit, not once per reader.
 */
export function heldValuesOf(roots: { name: string; global: object }[], maxObjects = 500_000): HeldValue[][] {
  const w = new HeapWalker(maxObjects);
  try {
    return roots.map((r) => w.walk(r.global, r.name).splice(0));
  } finally {
    w.close();
  }
}

export function heldValues(contextGlobal: object, rootName: string): HeldValue[] {
  return heldValuesOf([{ name: rootName, global: contextGlobal }])[0] ?? [];
}
