/**
 * UTF-8 by hand for the device CBOR codec (Espruino has no TextEncoder/TextDecoder). Strict per RFC 3629:
 * no overlong forms, no surrogate code points, nothing above U+10FFFF; RFC 8949 §3.1 requires valid UTF-8
 * in text strings, and a decoder that repaired it (as cbor-x does, to U+FFFD) would break byte equality.
 * Written for size (it ships in the reader bundle): one loop each way, the sequence length `n` (continuation
 * bytes) drives both the lead-byte bits and the shortest-form floor.
 */

/** The UTF-8 of a JS string. Throws TypeError on a lone surrogate: it has no UTF-8 form. */
export function utf8Encode(s: string): Uint8Array {
  const a: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xe000) {
      const d = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d < 0xe000)) throw new TypeError('utf8: lone surrogate at ' + i);
      c = 0x2400 + ((c - 0xd800) << 10) + d;
      i++;
    }
    const n = c < 0x80 ? 0 : c < 0x800 ? 1 : c < 0x10000 ? 2 : 3;
    // Lead byte: n one-bits above a zero bit (0xc0, 0xe0, 0xf0), then the top bits of the code point.
    a.push(n ? ((0xff00 >> (n + 1)) & 255) | (c >> (6 * n)) : c);
    for (let k = n - 1; k >= 0; k--) a.push(0x80 | ((c >> (6 * k)) & 63));
  }
  return new Uint8Array(a);
}

/** UTF-8 byte length of a JS string. Throws TypeError on a lone surrogate. */
export function utf8Length(s: string): number {
  return utf8Encode(s).length;
}

/** Decodes `b[start, end)`; null when it is not valid UTF-8. */
export function utf8Decode(b: Uint8Array, start: number, end: number): string | null {
  let s = '';
  let i = start;
  while (i < end) {
    let c = b[i++] as number;
    // Continuation bytes after this lead; 0x80..0xc1 (stray continuation, overlong 2-byte) and 0xf5.. never lead.
    const n = c < 0x80 ? 0 : c < 0xc2 ? -1 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : c < 0xf5 ? 3 : -1;
    if (n < 0 || i + n > end) return null;
    if (n) c &= 0x3f >> n;
    for (let k = 0; k < n; k++) {
      const d = b[i++] as number;
      if ((d & 0xc0) !== 0x80) return null;
      c = (c << 6) | (d & 63);
    }
    // Shortest form for 3 and 4 bytes (2^11, 2^16), the Unicode ceiling, no surrogates.
    if (c < (n > 1 ? 1 << (5 * n + 1) : 0) || c > 0x10ffff || (c >= 0xd800 && c < 0xe000)) return null;
    s += c < 0x10000 ? String.fromCharCode(c) : String.fromCharCode(0xd7c0 + (c >> 10), 0xdc00 + (c & 1023));
  }
  return s;
}
