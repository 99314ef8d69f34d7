/**
 * The isolated JavaScript realm a simulated Espruino board runs in: a `node:vm` context whose own intrinsics
 * are patched to match the interpreter (espruino.md §2, §3), plus factories that build values *of that realm*
 * (a Uint8Array made in Node is not `instanceof Uint8Array` inside the context, and misses the patches).
 *
 * Missing globals are deleted rather than trapped, so `typeof Map` stays "undefined" (firmware may feature-
 * detect) while a real use throws V8's ReferenceError; the runtime rewrites that error at its entry points
 * into Espruino's `ReferenceError: "Map" is not defined` and records the name.
 */
import vm from 'node:vm';

/** Runs inside the context once, before any firmware. Keep it ES5-plain: it patches the realm it runs in. */
const PRELUDE = `(function (g) {
  var del = function (o, names) { for (var i = 0; i < names.length; i++) delete o[names[i]]; };
  del(g, ['Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Symbol', 'BigInt', 'Reflect',
    'Proxy', 'RangeError', 'EvalError', 'URIError', 'AggregateError', 'TextEncoder', 'TextDecoder', 'Intl',
    'queueMicrotask', 'SharedArrayBuffer', 'Atomics', 'WebAssembly', 'BigInt64Array', 'BigUint64Array',
    'structuredClone', 'escape', 'unescape']);
  del(Array, ['from', 'of']);
  del(Array.prototype, ['flat', 'flatMap', 'findLast', 'findLastIndex', 'at', 'lastIndexOf', 'toSorted',
    'toReversed', 'toSpliced', 'with', 'copyWithin']);
  var TA = Object.getPrototypeOf(Uint8Array);
  var arraySlice = Array.prototype.slice;
  del(TA, ['from', 'of']);
  del(TA.prototype, ['copyWithin', 'lastIndexOf', 'at', 'findLast', 'findLastIndex', 'toSorted', 'toReversed',
    'with', 'BYTES_PER_ELEMENT']);
  var typed = [Uint8Array, Int8Array, Uint8ClampedArray, Uint16Array, Int16Array, Uint32Array, Int32Array,
    Float32Array, Float64Array];
  for (var t = 0; t < typed.length; t++) { delete typed[t].BYTES_PER_ELEMENT; delete typed[t].prototype.BYTES_PER_ELEMENT; }
  // Espruino: typedArray.slice() returns a plain Array; JSON.stringify(u8) gives [1,2].
  Object.defineProperty(TA.prototype, 'slice', { value: function (a, b) { return arraySlice.call(this, a, b); },
    writable: true, configurable: true });
  Object.defineProperty(TA.prototype, 'toJSON', { value: function () { return arraySlice.call(this); },
    writable: true, configurable: true });
  del(ArrayBuffer, ['isView']);
  del(ArrayBuffer.prototype, ['slice', 'resize', 'transfer', 'transferToFixedLength']);
  del(Math, ['imul', 'clz32', 'trunc', 'log2', 'hypot', 'fround', 'cbrt']);
  var exp = Math.exp, log = Math.log;
  // Exact only for integer exponents 0..9; otherwise exp(log(x)*y): Math.pow(2,31) = 2147483648.000002.
  Math.pow = function (x, y) {
    if (y === (y | 0) && y >= 0 && y <= 9) { var r = 1; for (var i = 0; i < y; i++) r *= x; return r; }
    return exp(log(x) * y);
  };
  del(Number, ['isInteger', 'isFinite', 'isNaN', 'isSafeInteger', 'parseInt', 'parseFloat', 'MAX_SAFE_INTEGER',
    'MIN_SAFE_INTEGER', 'EPSILON']);
  del(String, ['fromCodePoint', 'raw']);
  del(String.prototype, ['at', 'trimStart', 'trimEnd', 'trimLeft', 'trimRight', 'normalize', 'codePointAt',
    'localeCompare', 'isWellFormed', 'toWellFormed']);
  del(Object, ['freeze', 'isFrozen', 'is', 'seal', 'isSealed', 'preventExtensions', 'isExtensible', 'groupBy']);
  del(Promise, ['allSettled', 'race', 'any', 'withResolvers']);
  del(Promise.prototype, ['finally']);
  var apply = Function.prototype.apply, call = Function.prototype.call;
  Function.prototype.apply = function (self, args) {
    if (args && args.length > 256)
      throw new Error('Array passed to Function.apply is too big! Maximum 256 arguments, got ' + args.length);
    return call.call(apply, this, self, args);
  };
  // new Error().name is undefined on Espruino, but String(e) still names the type.
  var errs = [['Error', Error], ['TypeError', TypeError], ['SyntaxError', SyntaxError],
    ['ReferenceError', ReferenceError]];
  for (var k = 0; k < errs.length; k++) delete errs[k][1].prototype.name;
  Error.prototype.toString = function () {
    var n = 'Error';
    for (var j = 1; j < errs.length; j++) if (this instanceof errs[j][1]) n = errs[j][0];
    if (this instanceof g.InternalError) n = 'InternalError';
    return this.message ? n + ': ' + this.message : n;
  };
  var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  g.btoa = function (s) {
    s = String(s); var o = '';
    for (var i = 0; i < s.length; i += 3) {
      var a = s.charCodeAt(i) & 255, b = s.charCodeAt(i + 1), c = s.charCodeAt(i + 2), n = (a << 16) |
        ((b & 255) << 8) | (c & 255);
      o += B64.charAt(n >> 18) + B64.charAt((n >> 12) & 63) + (i + 1 < s.length ? B64.charAt((n >> 6) & 63) : '=') +
        (i + 2 < s.length ? B64.charAt(n & 63) : '=');
    }
    return o;
  };
  g.atob = function (s) {
    s = String(s).replace(/[^A-Za-z0-9+/]/g, ''); var o = '', bits = 0, acc = 0;
    for (var i = 0; i < s.length; i++) {
      acc = (acc << 6) | B64.indexOf(s.charAt(i)); bits += 6;
      if (bits >= 8) { bits -= 8; o += String.fromCharCode((acc >> bits) & 255); }
    }
    return o;
  };
  g.global = g;
})(globalThis);`;

/** Builders for values that must belong to the device realm. */
export interface Realm {
  readonly context: vm.Context;
  /** The context's global object. */
  readonly global: Record<string, unknown>;
  u8(bytes: ArrayLike<number>): Uint8Array;
  buffer(bytes: ArrayLike<number>): ArrayBuffer;
  array<T>(items: readonly T[]): T[];
  object(): Record<string, unknown>;
  error(kind: 'Error' | 'TypeError' | 'ReferenceError' | 'InternalError', message: string): Error;
  /** Is `v` an instance of the realm's class `name` (cross-realm safe)? */
  isA(v: unknown, name: 'Uint8Array' | 'ArrayBuffer' | 'Array' | 'ReferenceError' | 'Error'): boolean;
  /** Typed array or ArrayBuffer of the realm: its byte view, else undefined. */
  bytesOf(v: unknown): Uint8Array | undefined;
  /** Runs source in the realm (wall-clock guard in ms, 0 for none: an endless loop must not hang a test run). */
  run(source: string, filename: string, guardMs: number): unknown;
  /** Calls a realm function with microtasks drained afterwards, as Espruino's idle loop does. */
  call(fn: unknown, self: unknown, args: unknown[], guardMs: number): unknown;
}

interface Factory {
  u8(b: ArrayLike<number>): Uint8Array;
  ab(b: ArrayLike<number>): ArrayBuffer;
  arr(items: readonly unknown[]): unknown[];
  obj(): Record<string, unknown>;
  err(kind: string, message: string): Error;
  isA(v: unknown, name: string): boolean;
  slot: { f: unknown; t: unknown; a: unknown[]; r: unknown };
}

const FACTORY = `(function (g) {
  var slot = { f: null, t: null, a: null, r: undefined };
  return {
    slot: slot,
    u8: function (b) { return new Uint8Array(b); },
    ab: function (b) { return new Uint8Array(b).buffer; },
    arr: function (items) { var a = []; for (var i = 0; i < items.length; i++) a.push(items[i]); return a; },
    obj: function () { return {}; },
    err: function (kind, m) { return new g[kind](m); },
    isA: function (v, name) { return v instanceof g[name]; }
  };
})(globalThis)`;

/** Name of the non-enumerable global that holds the call trampoline's slot. */
export const TRAMPOLINE_GLOBAL = '__bwCall';

export function createRealm(filenamePrefix: string): Realm {
  const context = vm.createContext({}, { name: filenamePrefix, microtaskMode: 'afterEvaluate' });
  vm.runInContext(PRELUDE, context, { filename: `${filenamePrefix}/prelude.js` });
  // InternalError exists on Espruino (OUT OF MEMORY, stack overflow); V8 has no such class.
  vm.runInContext(
    'globalThis.InternalError = function InternalError(m) { this.message = m; };' +
      'InternalError.prototype = Object.create(Error.prototype); InternalError.prototype.constructor = InternalError;',
    context,
  );
  const f = vm.runInContext(FACTORY, context) as Factory;
  const global = vm.runInContext('globalThis', context) as Record<string, unknown>;
  Object.defineProperty(global, TRAMPOLINE_GLOBAL, { value: f.slot, enumerable: false });
  const trampoline = new vm.Script(
    `${TRAMPOLINE_GLOBAL}.r = ${TRAMPOLINE_GLOBAL}.f.apply(__bwCall.t, __bwCall.a)`,
    {
      filename: `${filenamePrefix}/callback`,
    },
  );
  // The slot is filled and emptied in Node; the script reads it through its own name on each call.
  const realm: Realm = {
    context,
    global,
    u8: (b) => f.u8(b),
    buffer: (b) => f.ab(b),
    array: <T>(items: readonly T[]) => f.arr(items) as T[],
    object: () => f.obj(),
    error: (kind, m) => f.err(kind, m),
    isA: (v, name) => f.isA(v, name),
    bytesOf(v) {
      if (Object.prototype.toString.call(v) === '[object ArrayBuffer]')
        return new Uint8Array(v as ArrayBuffer);
      if (ArrayBuffer.isView(v)) {
        const view = v as ArrayBufferView;
        return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
      }
      return undefined;
    },
    run(source, filename, guardMs) {
      return vm.runInContext(source, context, guardMs > 0 ? { filename, timeout: guardMs } : { filename });
    },
    call(fn, self, args, guardMs) {
      const slot = f.slot;
      slot.f = fn;
      slot.t = self;
      slot.a = f.arr(args);
      try {
        // The guard costs ~0.1 ms per call (Node starts a watchdog thread): guardMs 0 turns it off.
        if (guardMs > 0) trampoline.runInContext(context, { timeout: guardMs });
        else trampoline.runInContext(context);
        return slot.r;
      } finally {
        slot.f = null;
        slot.t = null;
        slot.a = [];
        slot.r = undefined;
      }
    },
  };
  return realm;
}
