/**
 * The reader firmware's CBOR: exactly the part of the strict subset (mini.ts) that reader messages use, for
 * size. Differential-tested against mini.ts and cbor-x (protocol/test/lean-reader.test.ts, lean-cbor.test.ts):
 * whatever `leanDecode` accepts, decodeCbor accepts with the same value, and `leanEncode` gives decodeCbor's
 * canonical bytes.
 *
 * Decoded: unsigned and negative integers (heads of at most 4 bytes, shortest form), byte strings, false and
 * true, arrays and maps of at most 255 entries, maps with strictly ascending unsigned keys, containers nested
 * at most 8 deep, inputs of at most 512 bytes. Refused, as null without a code (the reader only counts a
 * refused message; mini.ts gives the typed 2xx failure host-side): text, null, and everything mini.ts refuses;
 * the host sends no text or null to a reader (msg-schema.ts). Encoded: one level of map whose values are
 * integers, byte strings, booleans or ASCII text (the firmware version).
 */
import type { CborMap, CborValue } from './mini';

/**
 * The additional information of the shortest head for `v` (RFC 8949 §4.2.1): what the encoder writes, so the
 * decoder's canonical check is "the encoder would have written this head".
 */
function shortest(v: number): number {
  return v < 24 ? v : v < 256 ? 24 : v < 65536 ? 25 : 26;
}

/**
 * One item filling `b`, or null (never a decoded value: null is refused) when it is refused: every fault throws
 * and is caught here once.
 */
export function leanDecode(b: Uint8Array): CborValue | null {
  let p = 0;
  const next = (): number => {
    if (p < b.length) return b[p++] as number;
    throw 0;
  };
  const item = (depth: number): CborValue => {
    const ib = next();
    const major = ib >> 5;
    const ai = ib & 31;
    // false and true: the only simple values a host sends a reader (null is refused with text below).
    if ((ib | 1) === 0xf5) return ib > 0xf4;
    if (major === 3 || major > 5 || ai > 26) throw 0;
    let k = ai > 23 ? 1 << (ai - 24) : 0;
    let v = k ? 0 : ai;
    while (k--) v = v * 256 + next();
    if (shortest(v) !== ai) throw 0;
    if (major < 2) return major ? -1 - v : v;
    // A byte string running past the end leaves p past it: the next read or the final check refuses it.
    if (major === 2) return new Uint8Array(b.subarray(p, (p += v)));
    if (depth > 7 || v > 255) throw 0;
    // Arrays and maps in one loop: an array's keys are 0, 1, 2...; a map's must be unsigned integers that
    // ascend (anything else is not a number equal to itself, or not above the previous key).
    const c = (major > 4 ? {} : []) as CborMap;
    k = -1;
    while (v--) {
      const key = major > 4 ? item(depth + 1) : k + 1;
      if (key !== +(key as number) || (key as number) <= k) throw 0;
      c[(k = key as number)] = item(depth + 1);
    }
    return c;
  };
  try {
    // Short of the end (trailing bytes) or past it (a byte string running over) is refused like the rest.
    if (b.length < 513) {
      const v = item(0);
      if (p === b.length) return v;
    }
  } catch (_) {
    // Faults above throw 0; an engine error (Espruino out of memory) is a refusal too.
  }
  return null;
}

/**
 * Canonical bytes of a flat map (keys sorted, since Espruino enumerates integer keys in insertion order).
 * Values: integers in -2^32..2^32-1, byte strings, booleans, ASCII text (not checked: non-ASCII text is
 * mis-encoded); at most one record body (498 bytes). Anything else is a caller bug (TypeError).
 */
export function leanEncode(m: CborMap): Uint8Array {
  // One record body at most; a typed array, because a plain Array costs a JsVar per element on Espruino.
  const o = new Uint8Array(512);
  let n = 0;
  const put = (major: number, v: number): void => {
    const ai = shortest(v);
    o[n++] = (major << 5) | ai;
    for (let k = ai > 23 ? 1 << (ai - 24) : 0; k--; ) o[n++] = (v >>> (8 * k)) & 255;
  };
  const keys = Object.keys(m)
    .map(Number)
    .sort((x, y) => x - y);
  put(5, keys.length);
  for (const k of keys) {
    const v = m[k] as CborValue;
    put(0, k);
    // false and true are the simple values 20 and 21 (F4, F5). The type tests are `v === !!v`, `v === +v`
    // (TypeScript cannot narrow on it, hence the casts) and `v === v + ''`: shorter than typeof in the bundle.
    if (v === !!v) put(7, 20 + (v as unknown as number));
    else if (v === +(v as number)) (v as number) < 0 ? put(1, -1 - (v as number)) : put(0, v as number);
    else if (v instanceof Uint8Array) {
      put(2, v.length);
      o.set(v, n);
      n += v.length;
    } else if (v === v + '') {
      put(3, (v as string).length);
      // One byte per character: the only text is the firmware version, which the build holds to ASCII.
      for (const c of v as string) o[n++] = c.charCodeAt(0);
    } else n = 999;
    if (n > 498) throw new TypeError('leanEncode: bad value');
  }
  return new Uint8Array(o.subarray(0, n));
}
