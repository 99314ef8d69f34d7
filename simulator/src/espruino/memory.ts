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

export interface MemoryWalkOptions {
  /** Function text stays in flash (boot from Storage) instead of RAM (REPL upload). */
  codeInFlash: boolean;
  /**
   * Function structure and closure binding names are already counted from the boot code's syntax tree
   * (memory-code.ts): count only the data closures hold.
   */
  staticCode: boolean;
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
const sinkHolder: { value: unknown } = { value: undefined };

function post<T>(method: string, params?: object): T {
  if (!session) {
    session = new inspector.Session();
    session.connect();
  }
  let result: T | undefined;
  let error: unknown;
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

const HOLDER = '__bwMemoryProbe';

/** Variables captured by `fn`'s closure scopes (not the global scope), as [signature, values]. */
function closureScopes(fn: unknown): { key: string; vars: [string, unknown][] }[] {
  const g = globalThis as unknown as Record<string, unknown>;
  g[HOLDER] = { fn, sink: (v: unknown) => (sinkHolder.value = v) };
  try {
    const probe = post<{ result: RemoteObject }>('Runtime.evaluate', { expression: `globalThis.${HOLDER}` });
    const holderId = probe.result.objectId as string;
    const fnObj = post<{ result: { name: string; value: RemoteObject }[] }>('Runtime.getProperties', {
      objectId: holderId,
      ownProperties: true,
    }).result;
    const fnId = fnObj.find((p) => p.name === 'fn')?.value.objectId;
    const sinkId = fnObj.find((p) => p.name === 'sink')?.value.objectId;
    if (!fnId || !sinkId) return [];
    const props = post<{ internalProperties?: { name: string; value: RemoteObject }[] }>(
      'Runtime.getProperties',
      {
        objectId: fnId,
        ownProperties: true,
      },
    );
    const scopes = props.internalProperties?.find((p) => p.name === '[[Scopes]]')?.value.objectId;
    if (!scopes) return [];
    const list = post<{ result: { name: string; value: RemoteObject }[] }>('Runtime.getProperties', {
      objectId: scopes,
      ownProperties: true,
    }).result;
    const out: { key: string; vars: [string, unknown][] }[] = [];
    for (const s of list) {
      if (!s.value.objectId || /^(Global|Script)/.test(s.value.description ?? '')) continue;
      const vars = post<{ result: { name: string; value: RemoteObject }[] }>('Runtime.getProperties', {
        objectId: s.value.objectId,
        ownProperties: true,
      }).result;
      const pairs: [string, unknown][] = [];
      for (const v of vars) {
        if (v.value.objectId) {
          post('Runtime.callFunctionOn', {
            objectId: v.value.objectId,
            functionDeclaration: 'function (sink) { sink(this); }',
            arguments: [{ objectId: sinkId }],
          });
          pairs.push([v.name, sinkHolder.value]);
          sinkHolder.value = undefined;
        } else pairs.push([v.name, v.value.unserializableValue ?? v.value.value]);
      }
      out.push({ key: `${s.value.description}|${pairs.map((p) => p[0]).join(',')}`, vars: pairs });
    }
    return out;
  } finally {
    delete g[HOLDER];
  }
}

export class MemoryWalker {
  private seen = new Set<unknown>();
  private scopeSeen = new Map<string, unknown[][]>();
  total = 0;

  constructor(private readonly opts: MemoryWalkOptions) {}

  /** Adds the vars of `v` (and everything it reaches that was not counted yet). */
  add(v: unknown): number {
    const before = this.total;
    this.value(v);
    return this.total - before;
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
      for (const s of closureScopes(fn)) {
        const values = s.vars.map((p) => p[1]);
        const prior = this.scopeSeen.get(s.key) ?? [];
        if (prior.some((p) => p.length === values.length && p.every((x, i) => x === values[i]))) continue;
        prior.push(values);
        this.scopeSeen.set(s.key, prior);
        if (this.opts.staticCode) {
          for (const [, val] of s.vars) if (!inlineValue(val)) this.value(val);
          continue;
        }
        this.total += 1;
        for (const [name, val] of s.vars) this.slot(name, val);
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
