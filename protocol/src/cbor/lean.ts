/**
 * The reader firmware's CBOR: exactly the part of the strict subset (mini.ts) that reader messages use, for
 * size. Differential-tested against mini.ts and cbor-x: whatever `leanDecode` accepts, decodeCbor accepts with
 * the same value, and `leanEncode` gives decodeCbor's canonical bytes.
 *
 * Decoded: unsigned and negative integers (heads of at most 4 bytes, shortest form), byte strings, false and
 * true, arrays, maps with ascending unsigned keys, nesting up to 8. Refused (E_CBOR_UNSUPPORTED): text, null,
 * and everything mini.ts refuses; the host sends no text or null to a reader (msg-schema.ts). Encoded: one
 * level of map whose values are integers, byte strings, booleans or ASCII text (the firmware version).
 */
import {
  E_CBOR_DEPTH,
  E_CBOR_NON_CANONICAL,
  E_CBOR_TRAILING,
  E_CBOR_TRUNCATED,
  E_CBOR_UNSUPPORTED,
  fail,
  ok,
  type Result,
} from '../errors';
import type { CborMap, CborValue } from './mini';

interface In {
  b: Uint8Array;
  p: number;
}

function head(c: In, ai: number): number {
  if (ai < 24) return ai;
  if (ai > 26) throw E_CBOR_UNSUPPORTED;
  const n = 1 << (ai - 24);
  let v = 0;
  for (let k = 0; k < n; k++) {
    if (c.p >= c.b.length) throw E_CBOR_TRUNCATED;
    v = v * 256 + (c.b[c.p++] as number);
  }
  // Shortest form only (RFC 8949 §4.2.1).
  if (v < (n === 1 ? 24 : n === 2 ? 256 : 65536)) throw E_CBOR_NON_CANONICAL;
  return v;
}

function item(c: In, depth: number): CborValue {
  if (depth > 8) throw E_CBOR_DEPTH;
  if (c.p >= c.b.length) throw E_CBOR_TRUNCATED;
  const ib = c.b[c.p++] as number;
  const major = ib >> 5;
  if (ib === 0xf4 || ib === 0xf5) return ib === 0xf5;
  if (major === 3 || major > 5) throw E_CBOR_UNSUPPORTED;
  const v = head(c, ib & 31);
  if (major === 0) return v;
  if (major === 1) return -1 - v;
  if (major === 2) {
    if (c.p + v > c.b.length) throw E_CBOR_TRUNCATED;
    c.p += v;
    return new Uint8Array(c.b.subarray(c.p - v, c.p));
  }
  if (v > 255) throw E_CBOR_UNSUPPORTED;
  if (major === 4) {
    const a: CborValue[] = [];
    for (let i = 0; i < v; i++) a.push(item(c, depth + 1));
    return a;
  }
  const m: CborMap = {};
  let prev = -1;
  for (let i = 0; i < v; i++) {
    if (c.p >= c.b.length) throw E_CBOR_TRUNCATED;
    const kb = c.b[c.p++] as number;
    if (kb > 26) throw E_CBOR_UNSUPPORTED;
    const k = head(c, kb);
    if (k <= prev) throw E_CBOR_NON_CANONICAL;
    prev = k;
    m[k] = item(c, depth + 1);
  }
  return m;
}

/**
 * One item filling `b`, or a typed failure (never throws on bad input). The codes are coarser than mini.ts's:
 * the reader only counts a refused message.
 */
export function leanDecode(b: Uint8Array): Result<CborValue> {
  const c: In = { b: b, p: 0 };
  try {
    if (b.length > 512) throw E_CBOR_UNSUPPORTED;
    const v = item(c, 1);
    return c.p === b.length ? ok(v) : fail(E_CBOR_TRAILING, c.p);
  } catch (e) {
    return fail(typeof e === 'number' ? e : E_CBOR_UNSUPPORTED, c.p);
  }
}

interface Out {
  b: Uint8Array;
  n: number;
}

function put(o: Out, major: number, v: number): void {
  const x = v < 24 ? 0 : v < 256 ? 1 : v < 65536 ? 2 : 4;
  o.b[o.n++] = (major << 5) | (x ? (x === 4 ? 26 : 23 + x) : v);
  for (let k = x - 1; k >= 0; k--) o.b[o.n++] = (v >>> (8 * k)) & 255;
}

/**
 * Canonical bytes of a flat map (keys sorted, since Espruino enumerates integer keys in insertion order).
 * Values: integers in -2^32..2^32-1, byte strings, booleans, ASCII text; at most one record body (498 bytes).
 * Anything else is a caller bug (TypeError).
 */
export function leanEncode(m: CborMap): Uint8Array {
  const keys = Object.keys(m).map(Number);
  keys.sort((a, b) => a - b);
  // One record body at most; a typed array, because a plain Array costs a JsVar per element on Espruino.
  const o: Out = { b: new Uint8Array(512), n: 0 };
  put(o, 5, keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as number;
    const v = m[k];
    put(o, 0, k);
    if (typeof v === 'number') {
      if (v >= 0) put(o, 0, v);
      else put(o, 1, -1 - v);
    } else if (typeof v === 'boolean') o.b[o.n++] = v ? 0xf5 : 0xf4;
    else if (typeof v === 'string') {
      put(o, 3, v.length);
      for (let j = 0; j < v.length; j++) {
        const ch = v.charCodeAt(j);
        if (ch > 127) throw new TypeError('leanEncode: non-ASCII text');
        o.b[o.n++] = ch;
      }
    } else if (v instanceof Uint8Array) {
      put(o, 2, v.length);
      o.b.set(v, o.n);
      o.n += v.length;
    } else throw new TypeError('leanEncode: bad value at key ' + k);
    if (o.n > 498) throw new TypeError('leanEncode: over 498 B');
  }
  return new Uint8Array(o.b.subarray(0, o.n));
}
