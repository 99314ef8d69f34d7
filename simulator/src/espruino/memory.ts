/**
 * JsVar estimate for `process.memory()`, `E.getSizeOf` and the per-board OUT OF MEMORY check.
 *
 * Model (Espruino stores everything in fixed-size JsVars; espruino.md §7, EspruinoDocs Performance/Code Style):
 * - object / array / function / scope: 1 var each; every property or array element adds a *name* var, which
 *   also holds an int, bool, null or undefined value inline; a property name longer than 10 chars takes one
 *   more var per 12 further chars;
 * - a double: 1 var; a string: 1 var per 9 chars (≥ 1), calibrated on the source strings measured on the
 *   13-byte build (565 vars for 5081 B, 285 for 2557 B);
 * - a typed array: 2 vars (view + ArrayBuffer) + its bytes as a string; an ArrayBuffer alone: 1 + string;
 * - a function: 1 var + 1 per parameter + its code: 1 var (a pointer into flash) when the bundle was booted
 *   from Storage, else its source text as a string; its closure: 1 scope var + every captured variable, read
 *   through the V8 inspector (closures are invisible to JavaScript). Shared scopes and objects count once.
 * The walk starts at the globals the firmware created, the listeners it added to built-in objects, and the
 * callbacks the runtime holds for it (timers, watches, scan). Built-ins themselves cost nothing: the estimate
 * is the firmware's share, like the `usage` delta measured in the notes.
 */
import inspector from 'node:inspector';
import type { BootCode } from './memory-code';

export interface MemoryWalkOptions {
  /** Function text stays in flash (boot from Storage) instead of RAM (REPL upload). */
  codeInFlash: boolean;
  /**
   * Function structure and closure binding names are already counted from the boot code's syntax tree
   * (memory-code.ts): count only the data closures hold.
   */
  staticCode: boolean;
  /** Per boot file: its load-time functions and whether it is an IIFE bundle (see memory-code.ts). */
  bootCode?: BootCode[];
  /** Own keys of built-in objects that are not firmware state (skipped). */
  builtinKeys: Map<object, Set<string>>;
  /** Objects owned by the runtime: never counted (their added keys are, via builtinKeys). */
  isRealmFunction: (f: unknown) => boolean;
}

const strVars = (n: number): number => Math.max(1, Math.ceil(n / 9));
const nameVars = (k: string): number => 1 + Math.ceil(Math.max(0, k.length - 10) / 12);

function inlineValue(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    typeof v === 'boolean' ||
    (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 31)
  );
}

let session: inspector.Session | undefined;

function post<T>(method: string, params?: object): T {
  if (!session) {
    session = new inspector.Session();
    session.connect();
  }
  let result: T | undefined;
  let error: unknown;
  // An in-process session answers synchronously: the callback has run when post() returns.
  session.post(method, params ?? {}, (err, res) => {
    error = err;
    result = res as T;
  });
  if (error) throw error;
  return result as T;
}

interface RemoteObject {
  type: string;
  value?: unknown;
  objectId?: string;
  description?: string;
  unserializableValue?: string;
}
type Props = {
  result: { name: string; value: RemoteObject }[];
  internalProperties?: { name: string; value: RemoteObject }[];
};

const HOLDER = '__bwMemoryProbe';
const GROUP = 'bw-memory-walk';

/**
 * Reads closure variables through the V8 inspector, a handful of protocol calls per function: the function
 * and its scope list, then per scope its variables and ONE call that hands every object value back at once.
 * Remote handles live in one object group, released after the walk.
 */
class ScopeReader {
  private readonly holder: { fn: unknown; sink: (vals: unknown[]) => void; out: unknown[] };
  private holderId: string | undefined;
  private sinkId: string | undefined;

  constructor() {
    this.holder = { fn: null, out: [], sink: (vals) => (this.holder.out = vals) };
    (globalThis as unknown as Record<string, unknown>)[HOLDER] = this.holder;
  }

  private props(objectId: string): Props {
    return post<Props>('Runtime.getProperties', {
      objectId,
      ownProperties: true,
      objectGroup: GROUP,
    } as object);
  }

  /**
   * The closure scopes of `fn` (not global/script), each as [name, value] pairs, and its script id. The
   * outermost closure scope is skipped when `skipOuter(scriptId)` says it was read already.
   */
  read(
    fn: unknown,
    skipOuter: (scriptId: string) => boolean,
  ): { scriptId: string; scopes: [string, unknown][][] } {
    if (!this.holderId) {
      const r = post<{ result: RemoteObject }>('Runtime.evaluate', {
        expression: `globalThis.${HOLDER}`,
        objectGroup: GROUP,
      });
      this.holderId = r.result.objectId;
      this.sinkId = this.props(this.holderId as string).result.find((p) => p.name === 'sink')?.value.objectId;
    }
    this.holder.fn = fn;
    const fnId = this.props(this.holderId as string).result.find((p) => p.name === 'fn')?.value.objectId;
    if (!fnId || !this.sinkId) return { scriptId: '', scopes: [] };
    const internal = this.props(fnId).internalProperties ?? [];
    const loc = internal.find((p) => p.name === '[[FunctionLocation]]')?.value.value as
      | { scriptId?: string }
      | undefined;
    const scriptId = loc?.scriptId ?? '';
    const scopes = internal.find((p) => p.name === '[[Scopes]]')?.value.objectId;
    if (!scopes) return { scriptId, scopes: [] };
    const out: [string, unknown][][] = [];
    const closures = this.props(scopes).result.filter(
      (s) => s.value.objectId && !/^(Global|Script)/.test(s.value.description ?? ''),
    );
    if (closures.length > 0 && skipOuter(scriptId)) closures.pop();
    for (const s of closures) {
      const vars = this.props(s.value.objectId as string).result;
      const objects = vars.filter((v) => v.value.objectId);
      this.holder.out = [];
      if (objects.length > 0)
        post('Runtime.callFunctionOn', {
          objectId: this.sinkId,
          functionDeclaration: 'function () { this(Array.prototype.slice.call(arguments)); }',
          arguments: objects.map((v) => ({ objectId: v.value.objectId })),
          objectGroup: GROUP,
        });
      let k = 0;
      out.push(
        vars.map((v): [string, unknown] => [
          v.name,
          v.value.objectId ? this.holder.out[k++] : (v.value.unserializableValue ?? v.value.value),
        ]),
      );
    }
    this.holder.fn = null;
    this.holder.out = [];
    return { scriptId, scopes: out };
  }

  release(): void {
    post('Runtime.releaseObjectGroup', { objectGroup: GROUP });
    delete (globalThis as unknown as Record<string, unknown>)[HOLDER];
  }
}

export class MemoryWalker {
  private seen = new Set<unknown>();
  private scopeSeen: unknown[][] = [];
  private moduleScopesRead = new Set<number>();
  /** Scripts (IIFE bundles) whose module scope has been counted in this walk. */
  private outerRead = new Set<string>();
  private reader: ScopeReader | undefined;
  total = 0;

  constructor(private readonly opts: MemoryWalkOptions) {}

  /** Adds the vars of `v` (and everything it reaches that was not counted yet). */
  add(v: unknown): number {
    const before = this.total;
    this.value(v);
    return this.total - before;
  }

  /** Releases the inspector handles of this walk; returns the total. Call once, after the last add/slot. */
  done(): number {
    this.reader?.release();
    this.reader = undefined;
    return this.total;
  }

  /** A property/element slot: its name var plus a value that is not stored inline. */
  slot(key: string, v: unknown): void {
    this.total += nameVars(key);
    if (!inlineValue(v)) this.value(v);
  }

  private value(v: unknown): void {
    if (inlineValue(v)) {
      this.total += 1;
      return;
    }
    if (typeof v === 'number') {
      this.total += 1;
      return;
    }
    if (typeof v === 'string') {
      this.total += strVars(v.length);
      return;
    }
    if (typeof v !== 'object' && typeof v !== 'function') return;
    if (this.seen.has(v)) return;
    this.seen.add(v);
    const builtin = this.opts.builtinKeys.get(v as object);
    if (typeof v === 'function') {
      this.fn(v, builtin);
      return;
    }
    const tag = Object.prototype.toString.call(v);
    if (tag === '[object ArrayBuffer]') {
      this.total += 1 + strVars((v as ArrayBuffer).byteLength);
      return;
    }
    if (ArrayBuffer.isView(v)) {
      this.total += 1;
      const buf = (v as ArrayBufferView).buffer;
      if (!this.seen.has(buf)) {
        this.seen.add(buf);
        this.total += 1 + strVars(buf.byteLength);
      }
      return;
    }
    if (!builtin) this.total += 1;
    for (const k of Object.getOwnPropertyNames(v)) {
      if (builtin?.has(k) || (Array.isArray(v) && k === 'length')) continue;
      const d = Object.getOwnPropertyDescriptor(v, k);
      if (d && 'value' in d) this.slot(k, d.value);
      else if (d) {
        this.total += nameVars(k);
        this.value(d.get);
        this.value(d.set);
      }
    }
  }

  private closures(scopes: [string, unknown][][]): void {
    for (const vars of scopes) {
      // Closures of one call share a scope: count it once (same variables holding the same values).
      const values = vars.map((p) => p[1]);
      if (this.scopeSeen.some((p) => p.length === values.length && p.every((x, i) => x === values[i])))
        continue;
      this.scopeSeen.push(values);
      if (this.opts.staticCode) {
        for (const val of values) if (!inlineValue(val)) this.value(val);
        continue;
      }
      this.total += 1;
      for (const [name, val] of vars) this.slot(name, val);
    }
  }

  private fn(f: unknown, builtin: Set<string> | undefined): void {
    if (!this.opts.isRealmFunction(f)) {
      // A runtime-provided (native) function: only what firmware hung on it counts.
      if (builtin === undefined) return;
    }
    const fn = f as (...a: unknown[]) => unknown;
    if (builtin === undefined && this.opts.isRealmFunction(f)) {
      const src = Function.prototype.toString.call(fn);
      if (!this.opts.staticCode)
        this.total += 1 + fn.length + (this.opts.codeInFlash ? 1 : strVars(src.length));
      const files = this.opts.bootCode ?? [];
      const file = files.findIndex((c) => c.loadTimeFunctions.has(src));
      if (!(file >= 0 && this.moduleScopesRead.has(file))) {
        if (file >= 0) this.moduleScopesRead.add(file);
        this.reader ??= new ScopeReader();
        const r = this.reader.read(fn, (id) => this.outerRead.has(id));
        if (file >= 0 && files[file]?.iife) this.outerRead.add(r.scriptId);
        this.closures(r.scopes);
      }
    }
    for (const k of Object.getOwnPropertyNames(fn)) {
      if (k === 'length' || k === 'name' || k === 'arguments' || k === 'caller' || builtin?.has(k)) continue;
      const d = Object.getOwnPropertyDescriptor(fn, k);
      if (k === 'prototype' && d && 'value' in d) {
        const proto = d.value as object;
        // An untouched prototype ({constructor}) is implicit on Espruino; count it only when it has methods.
        if (Object.getOwnPropertyNames(proto).length <= 1) continue;
      }
      if (d && 'value' in d) this.slot(k, d.value);
    }
  }
}
