/**
 * Collects everything a device holds in RAM, as (path, bytes) pairs: every string, byte array and property name
 * reachable from the device's audit roots (its realm's globals, the callbacks and buffers its runtime keeps for
 * it), closures included.
 *
 * The walk is bounded by realm. A device is a `node:vm` realm; the runtime that emulates its built-ins is
 * ordinary Node code. Objects whose prototype chain ends in the realm's Object.prototype are device memory and
 * are walked; anything else belongs to the host (the simulator, the test, Node itself) and is not: a host
 * function's closure is never opened, a host object is never entered. Byte buffers and strings are data, not
 * references, so they are read wherever a device value points at them. What the runtime keeps for the device
 * outside the realm (timer callbacks, a serial receive buffer) must be named as a root by the runtime itself.
 */
import { type CapturedScope, ClosureReader } from './closures';

export interface MemoryRoot {
  /** How the report names it, e.g. "global", "<timers>[2]". */
  path: string;
  value: unknown;
}

/** What a device exposes to the audit. */
export interface DeviceMemory {
  roots: MemoryRoot[];
  /** The realm's Object.prototype: the walk stays among objects whose prototype chain ends here. */
  objectPrototype: object;
}

export interface HeldValue {
  /** Access path from a root, e.g. "global.NRF.<scan cb>.[[Scopes]].queue.3". */
  path: string;
  bytes: Uint8Array;
}

const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
// The host's own accessors: they work on any realm's typed arrays, and firmware cannot replace them.
const taBuffer = Object.getOwnPropertyDescriptor(TypedArrayProto, 'buffer')?.get as (
  this: unknown,
) => ArrayBuffer;
const dvBuffer = Object.getOwnPropertyDescriptor(DataView.prototype, 'buffer')?.get as (
  this: unknown,
) => ArrayBuffer;
const fnToString = Function.prototype.toString;
const objToString = Object.prototype.toString;
const strValueOf = String.prototype.valueOf;
/** Own keys of every function that are the engine's, not data. */
const FN_KEYS = new Set(['length', 'name', 'arguments', 'caller']);

/** A string as the device stores it: one byte per char (Espruino strings are 8-bit), else UTF-8. */
function stringBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) return new TextEncoder().encode(s);
    out[i] = c;
  }
  return out;
}

interface Task {
  v: unknown;
  path: string;
}

export class RealmWalker {
  /** Per device (cleared by walk); the object budget spans the whole audit. */
  private readonly seen = new Set<unknown>();
  private readonly out: HeldValue[] = [];
  private readonly scopes = new Map<string, unknown[][]>();
  private readonly strings = new Set<string>();
  private closures: ClosureReader | undefined;
  private budget: number;

  constructor(maxObjects: number) {
    this.budget = maxObjects;
  }

  walk(mem: DeviceMemory): HeldValue[] {
    const proto = mem.objectPrototype;
    this.seen.clear();
    this.scopes.clear();
    this.strings.clear();
    const stack: Task[] = mem.roots.map((r) => ({ v: r.value, path: r.path })).reverse();
    for (let t = stack.pop(); t; t = stack.pop()) {
      const more = this.visit(t.v, t.path, proto);
      for (let i = more.length - 1; i >= 0; i--) stack.push(more[i] as Task);
    }
    return this.out.splice(0);
  }

  close(): void {
    this.closures?.close();
    this.closures = undefined;
  }

  private emit(path: string, bytes: Uint8Array): void {
    if (bytes.length > 0) this.out.push({ path, bytes });
  }

  private visit(v: unknown, path: string, proto: object): Task[] {
    if (typeof v === 'string') {
      // One report per distinct string, at the first path that reaches it.
      if (!this.strings.has(v)) this.emit(path, stringBytes(v));
      this.strings.add(v);
      return [];
    }
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return [];
    if (this.seen.has(v)) return [];
    // A walk cut short would pass a device it never finished reading: fail loudly instead.
    if (--this.budget < 0) throw new Error('PII audit: device memory walk exceeded its object budget');
    this.seen.add(v);
    const tag = objToString.call(v);
    if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') {
      // The whole buffer: a view over part of it still keeps all of it in RAM.
      this.emit(path, new Uint8Array(v as ArrayBuffer));
      return [];
    }
    if (ArrayBuffer.isView(v)) {
      const buf = tag === '[object DataView]' ? dvBuffer.call(v) : taBuffer.call(v);
      return [{ v: buf, path }];
    }
    const inRealm = this.inRealm(v as object, proto);
    if (typeof v === 'function') return this.fn(v, path, inRealm);
    if (!inRealm) return [];
    const tasks = this.ownProps(v as object, path, false);
    if (tag === '[object String]') tasks.push({ v: strValueOf.call(v), path: `${path}.[[PrimitiveValue]]` });
    const p = Object.getPrototypeOf(v);
    if (p !== null) tasks.push({ v: p, path: `${path}.[[Prototype]]` });
    return tasks;
  }

  private fn(f: unknown, path: string, inRealm: boolean): Task[] {
    const tasks = this.ownProps(f as object, path, !inRealm);
    if (!inRealm) return tasks;
    const src = fnToString.call(f);
    const native = src.endsWith('{ [native code] }');
    // The name from its descriptor: reading `.name` could run a getter the firmware defined.
    const name = Object.getOwnPropertyDescriptor(f, 'name')?.value;
    if (!native || (typeof name === 'string' && name.startsWith('bound '))) {
      this.closures ??= new ClosureReader();
      for (const s of this.closures.read(f)) {
        if (!this.fresh(s)) continue;
        const at = s.scope === '[[Bound]]' ? path : `${path}.[[Scopes]]`;
        for (const c of s.vars) tasks.push({ v: c.value, path: `${at}.${c.name}` });
      }
    }
    const p = Object.getPrototypeOf(f);
    if (p !== null) tasks.push({ v: p, path: `${path}.[[Prototype]]` });
    return tasks;
  }

  /**
   * Every function of a bundle captures the same module scope (and every function of the realm its script
   * scope); the inspector gives scopes no identity, so a scope whose variables hold the very same values as
   * one already queued adds nothing.
   */
  private fresh(s: CapturedScope): boolean {
    const key = s.scope + s.vars.map((c) => c.name).join('\u0000');
    const values = s.vars.map((c) => c.value);
    const prior = this.scopes.get(key) ?? [];
    if (prior.some((p) => p.every((x, i) => x === values[i]))) return false;
    prior.push(values);
    this.scopes.set(key, prior);
    return true;
  }

  /** Own properties (non-enumerable included; accessors as their functions, never called) and their names. */
  private ownProps(o: object, path: string, skipPrototype: boolean): Task[] {
    const tasks: Task[] = [];
    const names: string[] = [];
    const isFn = typeof o === 'function';
    for (const k of Object.getOwnPropertyNames(o)) {
      if (isFn && (FN_KEYS.has(k) || (skipPrototype && k === 'prototype'))) continue;
      const d = Object.getOwnPropertyDescriptor(o, k);
      if (!d) continue;
      if (!/^\d+$/.test(k)) names.push(k);
      if ('value' in d) tasks.push({ v: d.value, path: `${path}.${k}` });
      else {
        if (d.get) tasks.push({ v: d.get, path: `${path}.<get ${k}>` });
        if (d.set) tasks.push({ v: d.set, path: `${path}.<set ${k}>` });
      }
    }
    // Property names are data too (`seen[email] = 1`).
    if (names.length > 0) this.emit(`${path}.<keys>`, stringBytes(names.join('\u0000')));
    return tasks;
  }

  /** Device memory: the prototype chain ends in the realm's Object.prototype (or the object has none). */
  private inRealm(o: object, proto: object): boolean {
    let p: object = o;
    for (let i = 0; i < 64; i++) {
      const q = Object.getPrototypeOf(p) as object | null;
      if (q === null) return p === proto || p === o;
      p = q;
    }
    return false;
  }
}

/** Everything held by each device, as (path, bytes) pairs (one inspector session for all of them). */
export function heldValuesOf(devices: DeviceMemory[], maxObjects = 2_000_000): HeldValue[][] {
  const w = new RealmWalker(maxObjects);
  try {
    return devices.map((d) => w.walk(d));
  } finally {
    w.close();
  }
}
