/**
 * UTF-8 by hand for the device CBOR codec (Espruino has no TextEncoder/TextDecoder). Strict per RFC 3629:
 * no overlong forms, no surrogate code points, nothing above U+10FFFF; RFC 8949 §3.1 requires valid UTF-8
 * in text strings, and a decoder that repaired it (as cbor-x does, to U+FFFD) would break byte equality.
 */

/** UTF-8 byte length of a JS string. Throws TypeError on a lone surrogate: it has no UTF-8 form. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) throw new TypeError('utf8: lone surrogate at ' + i);
      n += 4;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) throw new TypeError('utf8: lone surrogate at ' + i);
    else n += 3;
  }
  return n;
}

/** Writes the UTF-8 of `s` at `out[o]`; returns the offset after it. Call utf8Length first (it validates). */
export function utf8Write(s: string, out: Uint8Array, o: number): number {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) out[o++] = c;
    else if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c <= 0xdbff) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      out[o++] = 0xf0 | (c >> 18);
      out[o++] = 0x80 | ((c >> 12) & 63);
      out[o++] = 0x80 | ((c >> 6) & 63);
      out[o++] = 0x80 | (c & 63);
    } else {
      out[o++] = 0xe0 | (c >> 12);
      out[o++] = 0x80 | ((c >> 6) & 63);
      out[o++] = 0x80 | (c & 63);
    }
  }
  return o;
}

export function utf8Encode(s: string): Uint8Array {
  const out = new Uint8Array(utf8Length(s));
  utf8Write(s, out, 0);
  return out;
}

/** Decodes `b[start, end)`; null when it is not valid UTF-8. */
export function utf8Decode(b: Uint8Array, start: number, end: number): string | null {
  let s = '';
  let i = start;
  while (i < end) {
    const c = b[i] as number;
    let cp: number;
    let need: number;
    let min: number;
    if (c < 0x80) {
      s += String.fromCharCode(c);
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      cp = c & 0x1f;
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      cp = c & 0x0f;
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      cp = c & 0x07;
      need = 3;
      min = 0x10000;
    } else return null;
    if (i + need >= end) return null;
    for (let k = 1; k <= need; k++) {
      const d = b[i + k] as number;
      if ((d & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (d & 63);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    if (cp < 0x10000) s += String.fromCharCode(cp);
    else {
      cp -= 0x10000;
      s += String.fromCharCode(0xd800 + (cp >> 10), 0xdc00 + (cp & 1023));
    }
    i += need + 1;
  }
  return s;
}
