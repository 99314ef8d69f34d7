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
import { nobleAes } from './noble';

interface Schedules {
  copy: Uint8Array;
  enc: Uint32Array;
  dec: Uint32Array | null;
}

const cache = new WeakMap<Uint8Array, Schedules>();

/** The block core reads words little-endian; on a big-endian host we simply use the plain @noble path. */
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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

function ivWords(iv: Uint8Array): Uint32Array {
  if (iv.length !== 16) throw new TypeError('cbc: iv must be 16 bytes, got ' + iv.length);
  return new Uint32Array(new Uint8Array(iv).buffer);
}

/** A fresh, aligned little-endian word copy of `data`: the output buffer the block core works in place on. */
function words(data: Uint8Array): { out: Uint8Array; w: Uint32Array } {
  const out = new Uint8Array(data);
  return { out: out, w: new Uint32Array(out.buffer, 0, out.length >> 2) };
}

function ecbEnc(key: Uint8Array, data: Uint8Array): Uint8Array {
  blocks('ecb', data);
  const xk = schedules(key).enc;
  const b = words(data);
  const w = b.w;
  for (let i = 0; i < w.length; i += 4) {
    const r = unsafe.encrypt(xk, w[i] as number, w[i + 1] as number, w[i + 2] as number, w[i + 3] as number);
    w[i] = r.s0;
    w[i + 1] = r.s1;
    w[i + 2] = r.s2;
    w[i + 3] = r.s3;
  }
  return b.out;
}

function ecbDec(key: Uint8Array, data: Uint8Array): Uint8Array {
  blocks('ecbDecrypt', data);
  const xk = decSchedule(key);
  const b = words(data);
  const w = b.w;
  for (let i = 0; i < w.length; i += 4) {
    const r = unsafe.decrypt(xk, w[i] as number, w[i + 1] as number, w[i + 2] as number, w[i + 3] as number);
    w[i] = r.s0;
    w[i + 1] = r.s1;
    w[i + 2] = r.s2;
    w[i + 3] = r.s3;
  }
  return b.out;
}

function cbcEnc(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  blocks('cbc', data);
  const xk = schedules(key).enc;
  const v = ivWords(iv);
  let c0 = v[0] as number;
  let c1 = v[1] as number;
  let c2 = v[2] as number;
  let c3 = v[3] as number;
  const b = words(data);
  const w = b.w;
  for (let i = 0; i < w.length; i += 4) {
    const r = unsafe.encrypt(
      xk,
      (w[i] as number) ^ c0,
      (w[i + 1] as number) ^ c1,
      (w[i + 2] as number) ^ c2,
      (w[i + 3] as number) ^ c3,
    );
    w[i] = c0 = r.s0;
    w[i + 1] = c1 = r.s1;
    w[i + 2] = c2 = r.s2;
    w[i + 3] = c3 = r.s3;
  }
  return b.out;
}

function cbcDec(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  blocks('cbcDecrypt', data);
  const xk = decSchedule(key);
  const v = ivWords(iv);
  let p0 = v[0] as number;
  let p1 = v[1] as number;
  let p2 = v[2] as number;
  let p3 = v[3] as number;
  const b = words(data);
  const w = b.w;
  for (let i = 0; i < w.length; i += 4) {
    const c0 = w[i] as number;
    const c1 = w[i + 1] as number;
    const c2 = w[i + 2] as number;
    const c3 = w[i + 3] as number;
    const r = unsafe.decrypt(xk, c0, c1, c2, c3);
    w[i] = r.s0 ^ p0;
    w[i + 1] = r.s1 ^ p1;
    w[i + 2] = r.s2 ^ p2;
    w[i + 3] = r.s3 ^ p3;
    p0 = c0;
    p1 = c1;
    p2 = c2;
    p3 = c3;
  }
  return b.out;
}

export const fastAes: AesDecrypt = littleEndian
  ? { ecb: ecbEnc, cbc: cbcEnc, ecbDecrypt: ecbDec, cbcDecrypt: cbcDec }
  : nobleAes;

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
