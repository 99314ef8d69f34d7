/**
 * Host AES port with cached key schedules. `nobleAes` re-expands the key on every call (about 0.5 M blocks/s);
 * the resolver, SUN verification and the reader link use a handful of long-lived keys, so caching the
 * expanded encryption and decryption schedules per key object lifts single-block calls to the speed of
 * @noble's table core (3-5 M blocks/s here). Same cipher core as `nobleAes` (the `unsafe` block functions),
 * differential-tested against it in protocol/test/fast-aes.test.ts.
 *
 * The cache is a WeakMap keyed by the key's Uint8Array, so a key that is dropped is collected with its
 * schedule. Every hit re-compares the key bytes with a private copy: a caller that mutates a key in place
 * (or zeroises it) gets a fresh expansion, never a stale schedule.
 */
import { unsafe } from '@noble/ciphers/aes.js';
import type { AesDecrypt } from '../ports';

interface Schedules {
  copy: Uint8Array;
  enc: Uint32Array;
  dec: Uint32Array | null;
}

const cache = new WeakMap<Uint8Array, Schedules>();

function schedules(key: Uint8Array): Schedules {
  const s = cache.get(key);
  if (s !== undefined && s.copy.length === key.length) {
    let d = 0;
    for (let i = 0; i < key.length; i++) d |= (s.copy[i] as number) ^ (key[i] as number);
    if (d === 0) return s;
  }
  if (key.length !== 16 && key.length !== 24 && key.length !== 32)
    throw new TypeError('aes: key must be 16, 24 or 32 bytes, got ' + key.length);
  const fresh: Schedules = { copy: new Uint8Array(key), enc: unsafe.expandKeyLE(key), dec: null };
  cache.set(key, fresh);
  return fresh;
}

function decSchedule(key: Uint8Array): Uint32Array {
  const s = schedules(key);
  if (s.dec === null) s.dec = unsafe.expandKeyDecLE(key);
  return s.dec;
}

function blocks(what: string, data: Uint8Array): void {
  if (data.length % 16 !== 0)
    throw new TypeError(what + ': data must be whole 16-byte blocks, got ' + data.length);
}

function checkIv(iv: Uint8Array): void {
  if (iv.length !== 16) throw new TypeError('cbc: iv must be 16 bytes, got ' + iv.length);
}

function rd(b: Uint8Array, o: number): number {
  return (
    ((b[o] as number) |
      ((b[o + 1] as number) << 8) |
      ((b[o + 2] as number) << 16) |
      ((b[o + 3] as number) << 24)) >>>
    0
  );
}
function wr(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 255;
  b[o + 1] = (v >>> 8) & 255;
  b[o + 2] = (v >>> 16) & 255;
  b[o + 3] = v >>> 24;
}

// Words are read and written byte by byte (little-endian, as the @noble core expects): for the one- and
// two-block calls that dominate here this beats allocating Uint32Array views, and it needs no alignment.

function ecbEnc(key: Uint8Array, data: Uint8Array): Uint8Array {
  blocks('ecb', data);
  const xk = schedules(key).enc;
  const out = new Uint8Array(data.length);
  for (let o = 0; o < data.length; o += 16) {
    const r = unsafe.encrypt(xk, rd(data, o), rd(data, o + 4), rd(data, o + 8), rd(data, o + 12));
    wr(out, o, r.s0);
    wr(out, o + 4, r.s1);
    wr(out, o + 8, r.s2);
    wr(out, o + 12, r.s3);
  }
  return out;
}

function ecbDec(key: Uint8Array, data: Uint8Array): Uint8Array {
  blocks('ecbDecrypt', data);
  const xk = decSchedule(key);
  const out = new Uint8Array(data.length);
  for (let o = 0; o < data.length; o += 16) {
    const r = unsafe.decrypt(xk, rd(data, o), rd(data, o + 4), rd(data, o + 8), rd(data, o + 12));
    wr(out, o, r.s0);
    wr(out, o + 4, r.s1);
    wr(out, o + 8, r.s2);
    wr(out, o + 12, r.s3);
  }
  return out;
}

function cbcEnc(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  blocks('cbc', data);
  checkIv(iv);
  const xk = schedules(key).enc;
  const out = new Uint8Array(data.length);
  let c0 = rd(iv, 0);
  let c1 = rd(iv, 4);
  let c2 = rd(iv, 8);
  let c3 = rd(iv, 12);
  for (let o = 0; o < data.length; o += 16) {
    const r = unsafe.encrypt(
      xk,
      rd(data, o) ^ c0,
      rd(data, o + 4) ^ c1,
      rd(data, o + 8) ^ c2,
      rd(data, o + 12) ^ c3,
    );
    c0 = r.s0;
    c1 = r.s1;
    c2 = r.s2;
    c3 = r.s3;
    wr(out, o, c0);
    wr(out, o + 4, c1);
    wr(out, o + 8, c2);
    wr(out, o + 12, c3);
  }
  return out;
}

function cbcDec(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  blocks('cbcDecrypt', data);
  checkIv(iv);
  const xk = decSchedule(key);
  const out = new Uint8Array(data.length);
  let p0 = rd(iv, 0);
  let p1 = rd(iv, 4);
  let p2 = rd(iv, 8);
  let p3 = rd(iv, 12);
  for (let o = 0; o < data.length; o += 16) {
    const c0 = rd(data, o);
    const c1 = rd(data, o + 4);
    const c2 = rd(data, o + 8);
    const c3 = rd(data, o + 12);
    const r = unsafe.decrypt(xk, c0, c1, c2, c3);
    wr(out, o, r.s0 ^ p0);
    wr(out, o + 4, r.s1 ^ p1);
    wr(out, o + 8, r.s2 ^ p2);
    wr(out, o + 12, r.s3 ^ p3);
    p0 = c0;
    p1 = c1;
    p2 = c2;
    p3 = c3;
  }
  return out;
}

export const fastAes: AesDecrypt = { ecb: ecbEnc, cbc: cbcEnc, ecbDecrypt: ecbDec, cbcDecrypt: cbcDec };

/**
 * The expanded encryption / decryption schedule of a key, for hot loops that keep their own per-key state
 * (the resolver holds 100 000 of them and calls `unsafe.encrypt` on words directly). Treat as key material.
 */
export function expandEncrypt(key: Uint8Array): Uint32Array {
  return unsafe.expandKeyLE(key);
}
export function expandDecrypt(key: Uint8Array): Uint32Array {
  return unsafe.expandKeyDecLE(key);
}
