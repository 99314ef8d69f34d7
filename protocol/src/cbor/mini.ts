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
import { utf8Decode, utf8Length, utf8Write } from './utf8';

export type CborValue = number | string | boolean | null | Uint8Array | CborValue[] | CborMap;
/** A CBOR map with unsigned-integer keys, as a plain object: `{0: 16, 2: bytes}`. */
export interface CborMap {
  [key: number]: CborValue;
}

/** Largest input the decoder looks at: one frame payload (SPEC.md, framing). */
export const CBOR_MAX_BYTES = 512;
/** Deepest nesting of arrays and maps; a top-level container is depth 1. */
export const CBOR_MAX_DEPTH = 8;
/** Most items in one array or pairs in one map. */
export const CBOR_MAX_ITEMS = 255;

const BIG = -2; // a head argument of 2^32 or more (an 8-byte head with a non-zero high word)

interface Cursor {
  b: Uint8Array;
  p: number;
  code: number;
  at: number;
}

function bad(c: Cursor, code: number, at: number): undefined {
  c.code = code;
  c.at = at;
  return undefined;
}

/** Reads the argument of a head whose additional information is `ai` (0..27); -1 on error, BIG if >= 2^32. */
function arg(c: Cursor, ai: number, start: number): number {
  if (ai < 24) return ai;
  const b = c.b;
  const p = c.p;
  const n = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : 8;
  if (p + n > b.length) {
    bad(c, E_CBOR_TRUNCATED, b.length);
    return -1;
  }
  c.p = p + n;
  let v: number;
  if (n === 1) v = b[p] as number;
  else if (n === 2) v = ((b[p] as number) << 8) | (b[p + 1] as number);
  else {
    v =
      (((b[p] as number) << 24) |
        ((b[p + 1] as number) << 16) |
        ((b[p + 2] as number) << 8) |
        (b[p + 3] as number)) >>>
      0;
    if (n === 8) {
      if (v !== 0) return BIG;
      v =
        (((b[p + 4] as number) << 24) |
          ((b[p + 5] as number) << 16) |
          ((b[p + 6] as number) << 8) |
          (b[p + 7] as number)) >>>
        0;
    }
  }
  // Shortest form (RFC 8949 §4.2.1): the value must not fit the next smaller head.
  const floor = n === 1 ? 24 : n === 2 ? 0x100 : n === 4 ? 0x10000 : 0;
  if (n === 8 || v < floor) {
    bad(c, E_CBOR_NON_CANONICAL, start);
    return -1;
  }
  return v;
}

/** Major type 7: only false, true and null are in the subset. */
function simple(c: Cursor, ai: number, start: number): CborValue | undefined {
  if (ai === 20) return false;
  if (ai === 21) return true;
  if (ai === 22) return null;
  if (ai === 24) {
    if (c.p >= c.b.length) return bad(c, E_CBOR_TRUNCATED, c.b.length);
    // simple(0..31) in the two-byte form is not well-formed (RFC 8949 §3.3)
    return bad(c, (c.b[c.p] as number) < 32 ? E_CBOR_MALFORMED : E_CBOR_UNSUPPORTED, start);
  }
  if (ai >= 28) return bad(c, E_CBOR_MALFORMED, start); // reserved, or a break outside an indefinite item
  return bad(c, E_CBOR_UNSUPPORTED, start); // undefined, simple(0..19), floats
}

function item(c: Cursor, depth: number): CborValue | undefined {
  const b = c.b;
  const start = c.p;
  if (start >= b.length) return bad(c, E_CBOR_TRUNCATED, start);
  const ib = b[c.p++] as number;
  const major = ib >> 5;
  const ai = ib & 31;
  if (major === 7) return simple(c, ai, start);
  if (major === 6) return bad(c, E_CBOR_UNSUPPORTED, start);
  if (ai >= 28 && ai <= 30) return bad(c, E_CBOR_MALFORMED, start);
  if (ai === 31) return bad(c, major < 2 ? E_CBOR_MALFORMED : E_CBOR_UNSUPPORTED, start);
  const v = arg(c, ai, start);
  if (v === -1) return undefined;
  if (major === 0) return v === BIG ? bad(c, E_CBOR_UNSUPPORTED, start) : v;
  if (major === 1) return v === BIG ? bad(c, E_CBOR_UNSUPPORTED, start) : -1 - v;
  if (v === BIG) return bad(c, E_CBOR_TOO_LARGE, start);
  const left = b.length - c.p;
  if (major === 2 || major === 3) {
    if (v > CBOR_MAX_BYTES) return bad(c, E_CBOR_TOO_LARGE, start); // could never fit, however long the input
    if (v > left) return bad(c, E_CBOR_TRUNCATED, b.length);
    const p = c.p;
    c.p = p + v;
    if (major === 2) return new Uint8Array(b.subarray(p, p + v));
    const s = utf8Decode(b, p, p + v);
    return s === null ? bad(c, E_CBOR_UTF8, p) : s;
  }
  if (depth >= CBOR_MAX_DEPTH) return bad(c, E_CBOR_DEPTH, start);
  if (v > CBOR_MAX_ITEMS) return bad(c, E_CBOR_TOO_LARGE, start);
  // Every item takes at least one byte: a count the rest of the input cannot hold is a truncation.
  if ((major === 5 ? 2 * v : v) > left) return bad(c, E_CBOR_TRUNCATED, b.length);
  if (major === 4) {
    const arr: CborValue[] = [];
    for (let i = 0; i < v; i++) {
      const x = item(c, depth + 1);
      if (x === undefined) return undefined;
      arr.push(x);
    }
    return arr;
  }
  const m: CborMap = {};
  let prev = -1;
  for (let i = 0; i < v; i++) {
    const kAt = c.p;
    if (kAt >= b.length) return bad(c, E_CBOR_TRUNCATED, kAt);
    const kb = b[kAt] as number;
    if (kb >> 5 !== 0) return bad(c, E_CBOR_UNSUPPORTED, kAt); // only unsigned keys are in the subset
    if ((kb & 31) >= 28) return bad(c, E_CBOR_MALFORMED, kAt);
    c.p++;
    const k = arg(c, kb & 31, kAt);
    if (k === -1) return undefined;
    if (k === BIG) return bad(c, E_CBOR_UNSUPPORTED, kAt);
    if (k === prev) return bad(c, E_CBOR_DUP_KEY, kAt);
    if (k < prev) return bad(c, E_CBOR_NON_CANONICAL, kAt);
    prev = k;
    const x = item(c, depth + 1);
    if (x === undefined) return undefined;
    m[k] = x;
  }
  return m;
}

/** Decodes exactly one item filling `bytes`. Never throws on bad input. */
export function decodeCbor(bytes: Uint8Array): Result<CborValue> {
  if (bytes.length > CBOR_MAX_BYTES) return fail(E_CBOR_TOO_LARGE, CBOR_MAX_BYTES);
  const c: Cursor = { b: bytes, p: 0, code: 0, at: -1 };
  const v = item(c, 0);
  if (v === undefined) return fail(c.code, c.at);
  if (c.p !== bytes.length) return fail(E_CBOR_TRAILING, c.p);
  return ok(v);
}

interface Writer {
  buf: Uint8Array;
  n: number;
}

function room(w: Writer, k: number): void {
  if (w.n + k <= w.buf.length) return;
  let size = w.buf.length * 2;
  while (size < w.n + k) size *= 2;
  const next = new Uint8Array(size);
  next.set(w.buf.subarray(0, w.n), 0);
  w.buf = next;
}

function head(w: Writer, major: number, v: number): void {
  room(w, 5);
  const m = major << 5;
  const b = w.buf;
  if (v < 24) b[w.n++] = m | v;
  else if (v < 0x100) {
    b[w.n++] = m | 24;
    b[w.n++] = v;
  } else if (v < 0x10000) {
    b[w.n++] = m | 25;
    b[w.n++] = v >> 8;
    b[w.n++] = v & 255;
  } else {
    b[w.n++] = m | 26;
    b[w.n++] = (v >>> 24) & 255;
    b[w.n++] = (v >>> 16) & 255;
    b[w.n++] = (v >>> 8) & 255;
    b[w.n++] = v & 255;
  }
}

/** The map's keys as numbers in ascending order; TypeError for a key that is not a uint32 in decimal. */
function mapKeys(m: object): number[] {
  const names = Object.keys(m);
  const keys: number[] = [];
  for (let i = 0; i < names.length; i++) {
    const s = names[i] as string;
    const k = +s;
    if (!(k >= 0 && k <= 0xffffffff && k === Math.floor(k) && String(k) === s)) {
      throw new TypeError('encodeCbor: map key is not an unsigned 32-bit integer: ' + s);
    }
    keys.push(k);
  }
  return keys.sort((a, b) => a - b);
}

function put(w: Writer, v: CborValue, depth: number): void {
  if (typeof v === 'number') {
    if (v !== Math.floor(v) || v < -0x100000000 || v > 0xffffffff) {
      throw new TypeError('encodeCbor: not an integer in -2^32..2^32-1: ' + v);
    }
    if (v >= 0) head(w, 0, v);
    else head(w, 1, -1 - v);
  } else if (typeof v === 'string') {
    const len = utf8Length(v);
    head(w, 3, len);
    room(w, len);
    w.n = utf8Write(v, w.buf, w.n);
  } else if (v === true || v === false || v === null) {
    room(w, 1);
    w.buf[w.n++] = v === null ? 0xf6 : v ? 0xf5 : 0xf4;
  } else if (v instanceof Uint8Array) {
    head(w, 2, v.length);
    room(w, v.length);
    w.buf.set(v, w.n);
    w.n += v.length;
  } else if (typeof v === 'object') {
    if (depth >= CBOR_MAX_DEPTH) throw new TypeError('encodeCbor: nesting deeper than ' + CBOR_MAX_DEPTH);
    if (Array.isArray(v)) {
      head(w, 4, v.length);
      for (let i = 0; i < v.length; i++) put(w, v[i] as CborValue, depth + 1);
    } else {
      // A Map, Date or class instance is a caller bug, not an empty map. Espruino may report no constructor.
      const ctor = (v as { constructor?: unknown }).constructor;
      if (ctor !== undefined && ctor !== Object) throw new TypeError('encodeCbor: not a plain object map');
      const keys = mapKeys(v);
      head(w, 5, keys.length);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as number;
        const x = v[k];
        if (x === undefined) throw new TypeError('encodeCbor: undefined value at key ' + k);
        head(w, 0, k);
        put(w, x, depth + 1);
      }
    }
  } else {
    throw new TypeError('encodeCbor: not in the CBOR subset: ' + typeof v);
  }
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
