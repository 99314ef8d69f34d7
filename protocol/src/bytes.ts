/**
 * Byte helpers for every layer, device subset included: no Buffer, no spread, no default parameters, and no
 * `Uint8Array.prototype.slice` (Espruino returns a plain Array from it; copy with `new Uint8Array(sub)`).
 */

const HEX = '0123456789abcdef';

export function toHex(b: Uint8Array): string {
  let s = '';
  // An indexed loop: for-of over a typed array is slower on the host, where toHex runs per sighting.
  for (let i = 0; i < b.length; i++) {
    const v = b[i] as number;
    s += (HEX[v >> 4] as string) + HEX[v & 15];
  }
  return s;
}

/** Parses hex (either case, no separators). Throws TypeError on bad input: a programmer error, not wire data. */
export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0) throw new TypeError('hex string has odd length ' + s.length);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = HEX.indexOf(s.charAt(2 * i).toLowerCase());
    const lo = HEX.indexOf(s.charAt(2 * i + 1).toLowerCase());
    if (hi < 0 || lo < 0) throw new TypeError('not a hex string at offset ' + 2 * i);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (let i = 0; i < parts.length; i++) n += (parts[i] as Uint8Array).length;
  const out = new Uint8Array(n);
  let o = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as Uint8Array;
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A copy of `b[start, end)` as a Uint8Array on every engine. */
export function copyOf(b: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(b.subarray(start, end));
}

/** Equality whose running time depends only on the lengths: used for tags and MACs. */
export function equalCt(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

/** out[i] = a[i] ^ b[i] for i < n, written into a new array of length n. */
export function xor(a: Uint8Array, b: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}

export function readU16LE(b: Uint8Array, o: number): number {
  return (b[o] as number) | ((b[o + 1] as number) << 8);
}
export function readU16BE(b: Uint8Array, o: number): number {
  return ((b[o] as number) << 8) | (b[o + 1] as number);
}
export function readU32LE(b: Uint8Array, o: number): number {
  return (
    ((b[o] as number) |
      ((b[o + 1] as number) << 8) |
      ((b[o + 2] as number) << 16) |
      ((b[o + 3] as number) << 24)) >>>
    0
  );
}
export function readU32BE(b: Uint8Array, o: number): number {
  return (
    (((b[o] as number) << 24) |
      ((b[o + 1] as number) << 16) |
      ((b[o + 2] as number) << 8) |
      (b[o + 3] as number)) >>>
    0
  );
}
export function writeU16LE(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 255;
  b[o + 1] = (v >>> 8) & 255;
}
export function writeU16BE(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 255;
  b[o + 1] = v & 255;
}
export function writeU32LE(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 255;
  b[o + 1] = (v >>> 8) & 255;
  b[o + 2] = (v >>> 16) & 255;
  b[o + 3] = (v >>> 24) & 255;
}
export function writeU32BE(b: Uint8Array, o: number, v: number): void {
  // A Uint8Array keeps the low 8 bits of an integer: only `v` itself, which may exceed 2^31, is masked.
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v & 255;
}

/** ASCII-only string to bytes (labels, not user text; Espruino has no TextEncoder). */
export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 127;
  return out;
}
