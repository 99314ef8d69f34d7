/**
 * The device CBOR codec: the strict deterministic subset of RFC 8949 that badgewire messages use (SPEC.md,
 * CBOR subset). Espruino-safe, no dependencies; differential-tested against the pinned cbor-x codec.
 *
 * In the subset: integers -2^32 .. 2^32-1 (major 0/1, heads of at most 4 bytes), byte strings, UTF-8 text
 * strings, definite arrays, definite maps whose keys are unsigned integers in strictly ascending order
 * (plain JS objects with numeric keys), false, true, null. Everything else is refused with a typed code:
 * floats, tags, bignums, undefined and other simple values, indefinite lengths (E_CBOR_UNSUPPORTED);
 * non-shortest heads and unsorted keys (E_CBOR_NON_CANONICAL, §4.2.1), duplicate keys, bad UTF-8, nesting
 * beyond 8, inputs or items over the limits, trailing bytes, and reserved or stray heads (E_CBOR_MALFORMED).
 * The encoder emits exactly what the decoder accepts, so decode(encode(v)) = v and encode(decode(b)) = b.
 *
 * Written for size (the reader firmware carries it): inside the decoder a fault is thrown as its numeric code
 * and caught once in decodeCbor, so no caller has to test and pass on a failure; nothing escapes decodeCbor.
 */
import {
  E_CBOR_DEPTH,
  E_CBOR_DUP_KEY,
  E_CBOR_MALFORMED,
  E_CBOR_NON_CANONICAL,
  E_CBOR_TOO_LARGE,
  E_CBOR_TRAILING,
  E_CBOR_TRUNCATED,
  E_CBOR_UNSUPPORTED,
  E_CBOR_UTF8,
  fail,
  ok,
  type Result,
} from '../errors';
import { BIG, CBOR_MAX_BYTES, CBOR_MAX_DEPTH, CBOR_MAX_ITEMS } from './limits';
import { utf8Decode, utf8Encode } from './utf8';

export { CBOR_MAX_BYTES, CBOR_MAX_DEPTH, CBOR_MAX_ITEMS } from './limits';

export type CborValue = number | string | boolean | null | Uint8Array | CborValue[] | CborMap;
/** A CBOR map with unsigned-integer keys, as a plain object: `{0: 16, 2: bytes}`. */
export interface CborMap {
  [key: number]: CborValue;
}

interface Cursor {
  b: Uint8Array;
  p: number;
  at: number;
}

function bad(c: Cursor, code: number, at: number): never {
  c.at = at;
  throw code;
}

/** Reads the argument of a head whose additional information is `ai` (0..27); BIG if it is >= 2^32. */
function arg(c: Cursor, ai: number, start: number): number {
  if (ai < 24) return ai;
  const b = c.b;
  const n = 1 << (ai - 24);
  if (c.p + n > b.length) bad(c, E_CBOR_TRUNCATED, b.length);
  let v = 0;
  // Exact below 2^32, which is all that is accepted; a non-zero high word of an 8-byte head only needs to be >= 2^32.
  for (let k = 0; k < n; k++) v = v * 256 + (b[c.p++] as number);
  if (v > 0xffffffff) return BIG;
  // Shortest form (RFC 8949 §4.2.1): the value must not fit the next smaller head (an 8-byte head never does).
  if (n === 8 || v < (n === 1 ? 24 : 1 << (4 * n))) bad(c, E_CBOR_NON_CANONICAL, start);
  return v;
}

function item(c: Cursor, depth: number): CborValue {
  const b = c.b;
  const start = c.p;
  if (start >= b.length) bad(c, E_CBOR_TRUNCATED, start);
  const ib = b[c.p++] as number;
  const major = ib >> 5;
  const ai = ib & 31;
  if (major === 7) {
    // Only false, true and null are in the subset.
    if (ai > 19 && ai < 23) return ai === 22 ? null : ai === 21;
    if (ai === 24) {
      if (c.p >= b.length) bad(c, E_CBOR_TRUNCATED, b.length);
      // simple(0..31) in the two-byte form is not well-formed (RFC 8949 §3.3)
      bad(c, (b[c.p] as number) < 32 ? E_CBOR_MALFORMED : E_CBOR_UNSUPPORTED, start);
    }
    // reserved, or a break outside an indefinite item; else undefined, simple(0..19), floats
    bad(c, ai >= 28 ? E_CBOR_MALFORMED : E_CBOR_UNSUPPORTED, start);
  }
  if (major === 6) bad(c, E_CBOR_UNSUPPORTED, start);
  // 28..30 are reserved; 31 (indefinite length) is ill-formed for integers, outside the subset otherwise.
  if (ai >= 28) bad(c, ai < 31 || major < 2 ? E_CBOR_MALFORMED : E_CBOR_UNSUPPORTED, start);
  const v = arg(c, ai, start);
  if (major < 2) return v === BIG ? bad(c, E_CBOR_UNSUPPORTED, start) : major ? -1 - v : v;
  if (v === BIG) bad(c, E_CBOR_TOO_LARGE, start);
  const left = b.length - c.p;
  if (major < 4) {
    if (v > CBOR_MAX_BYTES) bad(c, E_CBOR_TOO_LARGE, start); // could never fit, however long the input
    if (v > left) bad(c, E_CBOR_TRUNCATED, b.length);
    const p = c.p;
    c.p = p + v;
    if (major === 2) return new Uint8Array(b.subarray(p, p + v));
    const s = utf8Decode(b, p, p + v);
    return s === null ? bad(c, E_CBOR_UTF8, p) : s;
  }
  if (depth >= CBOR_MAX_DEPTH) bad(c, E_CBOR_DEPTH, start);
  if (v > CBOR_MAX_ITEMS) bad(c, E_CBOR_TOO_LARGE, start);
  // Every item takes at least one byte: a count the rest of the input cannot hold is a truncation.
  if ((major === 5 ? 2 * v : v) > left) bad(c, E_CBOR_TRUNCATED, b.length);
  if (major === 4) {
    const arr: CborValue[] = [];
    for (let i = 0; i < v; i++) arr.push(item(c, depth + 1));
    return arr;
  }
  const m: CborMap = {};
  let prev = -1;
  for (let i = 0; i < v; i++) {
    const kAt = c.p;
    if (kAt >= b.length) bad(c, E_CBOR_TRUNCATED, kAt);
    const kb = b[c.p++] as number;
    if (kb >> 5) bad(c, E_CBOR_UNSUPPORTED, kAt); // only unsigned keys are in the subset
    if ((kb & 31) >= 28) bad(c, E_CBOR_MALFORMED, kAt);
    const k = arg(c, kb & 31, kAt);
    if (k === BIG) bad(c, E_CBOR_UNSUPPORTED, kAt);
    if (k <= prev) bad(c, k === prev ? E_CBOR_DUP_KEY : E_CBOR_NON_CANONICAL, kAt);
    prev = k;
    m[k] = item(c, depth + 1);
  }
  return m;
}

/** Decodes exactly one item filling `bytes`. Never throws on bad input. */
export function decodeCbor(bytes: Uint8Array): Result<CborValue> {
  if (bytes.length > CBOR_MAX_BYTES) return fail(E_CBOR_TOO_LARGE, CBOR_MAX_BYTES);
  const c: Cursor = { b: bytes, p: 0, at: -1 };
  try {
    const v = item(c, 0);
    return c.p === bytes.length ? ok(v) : fail(E_CBOR_TRAILING, c.p);
  } catch (e) {
    // Only the codes thrown by bad(); anything else is a bug and stays one.
    if (typeof e !== 'number') throw e;
    return fail(e, c.at);
  }
}

interface Writer {
  buf: Uint8Array;
  n: number;
}

function no(what: string): never {
  throw new TypeError('encodeCbor: ' + what);
}

/**
 * A head in its shortest form, with room for `extra` bytes after it. `x` = 0 puts the argument in the initial
 * byte; 1..3 mean a 1-, 2- or 4-byte argument.
 */
function head(w: Writer, major: number, v: number, extra: number): void {
  const x = v < 24 ? 0 : v < 0x100 ? 1 : v < 0x10000 ? 2 : 3;
  const need = w.n + 5 + extra;
  if (need > w.buf.length) {
    let size = w.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(w.buf.subarray(0, w.n), 0);
    w.buf = next;
  }
  w.buf[w.n++] = (major << 5) | (x ? 23 + x : v);
  for (let k = x ? (1 << (x - 1)) - 1 : -1; k >= 0; k--) w.buf[w.n++] = (v >>> (8 * k)) & 255;
}

function put(w: Writer, v: CborValue, depth: number): void {
  if (typeof v === 'number') {
    if (!(v === Math.floor(v) && v >= -0x100000000 && v <= 0xffffffff))
      no('not an integer in -2^32..2^32-1: ' + v);
    if (v >= 0) head(w, 0, v, 0);
    else head(w, 1, -1 - v, 0);
  } else if (typeof v === 'string' || v instanceof Uint8Array) {
    const s = typeof v === 'string' ? utf8Encode(v) : v;
    head(w, typeof v === 'string' ? 3 : 2, s.length, s.length);
    w.buf.set(s, w.n);
    w.n += s.length;
  } else if (v === true || v === false || v === null) {
    // Simple values 20, 21, 22: F4, F5, F6.
    head(w, 7, v === null ? 22 : v ? 21 : 20, 0);
  } else if (typeof v === 'object') {
    if (depth >= CBOR_MAX_DEPTH) no('nesting deeper than ' + CBOR_MAX_DEPTH);
    if (Array.isArray(v)) {
      head(w, 4, v.length, 0);
      for (let i = 0; i < v.length; i++) put(w, v[i] as CborValue, depth + 1);
      return;
    }
    // A Map, Date or class instance is a caller bug, not an empty map. Espruino may report no constructor.
    const ctor = (v as { constructor?: unknown }).constructor;
    if (ctor !== undefined && ctor !== Object) no('not a plain object map');
    const names = Object.keys(v);
    // Validate every key before writing; note whether they already ascend (V8 lists integer keys in order,
    // so the sort, and the number array it needs, is skipped for the maps the encoder sees all day).
    let sorted = true;
    let prev = -1;
    for (let i = 0; i < names.length; i++) {
      const s = names[i] as string;
      const k = +s;
      if (!(k >= 0 && k <= 0xffffffff && k === Math.floor(k) && String(k) === s))
        no('map key is not an unsigned 32-bit integer: ' + s);
      if (k <= prev) sorted = false;
      prev = k;
    }
    let keys: number[] | null = null;
    if (!sorted) {
      keys = [];
      for (let i = 0; i < names.length; i++) keys.push(+(names[i] as string));
      keys.sort((a, b) => a - b);
    }
    head(w, 5, names.length, 0);
    for (let i = 0; i < names.length; i++) {
      const k = keys === null ? +(names[i] as string) : (keys[i] as number);
      const x = v[k];
      if (x === undefined) no('undefined value at key ' + k);
      head(w, 0, k, 0);
      put(w, x, depth + 1);
    }
  } else no('not in the CBOR subset: ' + typeof v);
}

/**
 * Canonical encoding (RFC 8949 §4.2.1 core deterministic rules within the subset). Throws TypeError on a
 * value outside the subset (a float, undefined, a non-integer key, nesting beyond 8): a caller bug.
 */
export function encodeCbor(v: CborValue): Uint8Array {
  const w: Writer = { buf: new Uint8Array(64), n: 0 };
  put(w, v, 0);
  return new Uint8Array(w.buf.subarray(0, w.n));
}
