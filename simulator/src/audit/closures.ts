/**
 * Reads what a function keeps alive that plain reflection cannot see: the variables of its closure scopes
 * (an esbuild IIFE bundle keeps all its state there), the realm's script-level `let`/`const`, and for a bound
 * function its target, `this` and arguments. Uses the in-process V8 inspector, whose Runtime domain answers
 * synchronously; values come back as real references so the caller can keep walking in plain JavaScript.
 */
import inspector from 'node:inspector';

export interface Captured {
  /** "x" for a scope variable, "[[BoundThis]]" etc. for a bound function. */
  name: string;
  value: unknown;
}

/** One scope's variables (or a bound function's parts); `scope` is the inspector's description of it. */
export interface CapturedScope {
  scope: string;
  vars: Captured[];
}

interface RemoteObject {
  type: string;
  value?: unknown;
  objectId?: string;
  description?: string;
}
interface Prop {
  name: string;
  value?: RemoteObject;
}
interface Props {
  result: Prop[];
  internalProperties?: Prop[];
}

const HOLDER = '__bwAuditClosures';
const GROUP = 'bw-audit-closures';
const BOUND = ['[[TargetFunction]]', '[[BoundThis]]', '[[BoundArgs]]'];
/** Release inspector handles every so many functions: a walk of a big heap would otherwise pin them all. */
const RELEASE_EVERY = 256;

export class ClosureReader {
  private readonly session = new inspector.Session();
  private readonly holder: { fn: unknown; out: unknown[]; sink: (vals: unknown[]) => void };
  private holderId = '';
  private sinkId = '';
  private reads = 0;

  constructor() {
    this.holder = { fn: null, out: [], sink: (vals) => (this.holder.out = vals) };
    this.session.connect();
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

  private props(objectId: string): Props {
    return this.post('Runtime.getProperties', { objectId, ownProperties: true, objectGroup: GROUP });
  }

  private attach(): void {
    (globalThis as Record<string, unknown>)[HOLDER] = this.holder;
    const r = this.post('Runtime.evaluate', { expression: `globalThis.${HOLDER}`, objectGroup: GROUP });
    this.holderId = r.result.objectId as string;
    this.sinkId = this.props(this.holderId).result.find((p) => p.name === 'sink')?.value?.objectId ?? '';
  }

  /** Hands inspector handles back as real values, in one call. */
  private fetch(objects: RemoteObject[]): unknown[] {
    this.holder.out = [];
    if (objects.length > 0)
      this.post('Runtime.callFunctionOn', {
        objectId: this.sinkId,
        functionDeclaration: 'function () { this(Array.prototype.slice.call(arguments)); }',
        arguments: objects.map((o) => ({ objectId: o.objectId })),
        objectGroup: GROUP,
      });
    const out = this.holder.out;
    this.holder.out = [];
    return out;
  }

  /**
   * Variables `fn` captures, by scope (closure, block, catch and script scopes; never the global object), and a
   * bound function's target, `this` and arguments (the arguments one by one: the inspector makes their array).
   */
  read(fn: unknown): CapturedScope[] {
    if (this.reads++ % RELEASE_EVERY === 0) {
      if (this.holderId) this.post('Runtime.releaseObjectGroup', { objectGroup: GROUP });
      this.attach();
    }
    this.holder.fn = fn;
    try {
      const fnId = this.props(this.holderId).result.find((p) => p.name === 'fn')?.value?.objectId;
      if (!fnId) return [];
      const internal = this.props(fnId).internalProperties ?? [];
      const named: { scope: number; name: string; v: RemoteObject }[] = [];
      const scopeNames = ['[[Bound]]'];
      for (const p of internal) {
        if (!p.value || !BOUND.includes(p.name)) continue;
        if (p.name === '[[BoundArgs]]' && p.value.objectId) {
          for (const a of this.props(p.value.objectId).result)
            if (a.value && /^\d+$/.test(a.name))
              named.push({ scope: 0, name: `[[BoundArgs]].${a.name}`, v: a.value });
        } else named.push({ scope: 0, name: p.name, v: p.value });
      }
      const scopes = internal.find((p) => p.name === '[[Scopes]]')?.value?.objectId;
      if (scopes) {
        for (const s of this.props(scopes).result) {
          const desc = s.value?.description ?? '';
          if (!s.value?.objectId || /^Global/.test(desc)) continue;
          scopeNames.push(desc);
          for (const v of this.props(s.value.objectId).result)
            if (v.value) named.push({ scope: scopeNames.length - 1, name: v.name, v: v.value });
        }
      }
      const fetched = this.fetch(named.filter((n) => n.v.objectId).map((n) => n.v));
      let k = 0;
      const out: CapturedScope[] = scopeNames.map((scope) => ({ scope, vars: [] }));
      for (const n of named) {
        const vars = (out[n.scope] as CapturedScope).vars;
        if (n.v.objectId) vars.push({ name: n.name, value: fetched[k++] });
        else if (n.v.type === 'string') vars.push({ name: n.name, value: n.v.value });
      }
      return out.filter((s) => s.vars.length > 0);
    } finally {
      this.holder.fn = null;
    }
  }

  close(): void {
    if (this.holderId) this.post('Runtime.releaseObjectGroup', { objectGroup: GROUP });
    delete (globalThis as Record<string, unknown>)[HOLDER];
    this.session.disconnect();
  }
}
