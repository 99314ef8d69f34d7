/**
 * Host-only record primitives on 32-bit words with key schedules and CMAC subkeys expanded once per session
 * key: no port call, no per-block allocation. A host bridge opens every reader's records on one core, and the
 * port path (one new buffer per call, a schedule lookup per call) spends more time copying than in AES.
 * Same bytes as `portCipher` (record.ts): held to it, and to an independent @noble reference, by
 * protocol/test/channel-diff.test.ts.
 *
 * Words are assembled from bytes explicitly (little-endian, as @noble's block core expects), so the result does
 * not depend on the host's byte order.
 */
import { unsafe } from '@noble/ciphers/aes.js';
import { expandEncrypt } from '../crypto/fast';
import type { DirKeys } from './keys';
import type { RecordCipher } from './record';

interface Expanded {
  enc: Uint32Array;
  mac: Uint32Array;
  /** K1 and K2 as little-endian words. */
  k1: Int32Array;
  k2: Int32Array;
}

const cache = new WeakMap<DirKeys, Expanded>();
/** Scratch blocks: the functions are synchronous and do not re-enter, so one of each serves every call. */
const scratch = new Uint8Array(16);
const last = new Uint8Array(16);
const tag = new Uint8Array(16);

function rd(b: Uint8Array, o: number): number {
  return (
    (b[o] as number) |
    ((b[o + 1] as number) << 8) |
    ((b[o + 2] as number) << 16) |
    ((b[o + 3] as number) << 24)
  );
}

function put(b: Uint8Array, o: number, w: number): void {
  b[o] = w;
  b[o + 1] = w >>> 8;
  b[o + 2] = w >>> 16;
  b[o + 3] = w >>> 24;
}

function words(b: Uint8Array): Int32Array {
  return new Int32Array([rd(b, 0), rd(b, 4), rd(b, 8), rd(b, 12)]);
}

function expanded(k: DirKeys): Expanded {
  let e = cache.get(k);
  if (e === undefined) {
    e = {
      enc: expandEncrypt(k.enc),
      mac: expandEncrypt(k.mac.key),
      k1: words(k.mac.k1),
      k2: words(k.mac.k2),
    };
    cache.set(k, e);
  }
  return e;
}

function ctr(k: DirKeys, iv: Uint8Array, buf: Uint8Array, from: number, to: number): void {
  const xk = expanded(k).enc;
  const c0 = rd(iv, 0);
  const c1 = rd(iv, 4);
  const c2 = rd(iv, 8);
  const base =
    ((iv[12] as number) << 24) | ((iv[13] as number) << 16) | ((iv[14] as number) << 8) | (iv[15] as number);
  const ks = scratch;
  for (let o = from, j = 0; o < to; o += 16, j++) {
    const n = (base + j) >>> 0; // record.ts IVs end in 0^4 and a record has < 2^32 blocks: no carry out
    const c3 = (n >>> 24) | (((n >>> 16) & 255) << 8) | (((n >>> 8) & 255) << 16) | ((n & 255) << 24);
    const r = unsafe.encrypt(xk, c0, c1, c2, c3);
    put(ks, 0, r.s0);
    put(ks, 4, r.s1);
    put(ks, 8, r.s2);
    put(ks, 12, r.s3);
    const end = o + 16 < to ? o + 16 : to;
    for (let i = o; i < end; i++) buf[i] = (buf[i] as number) ^ (ks[i - o] as number);
  }
}

function mac(k: DirKeys, msg: Uint8Array, len: number): Uint8Array {
  const e = expanded(k);
  const xk = e.mac;
  const n = len === 0 ? 1 : Math.ceil(len / 16);
  const complete = len > 0 && len % 16 === 0;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let b = 0; b < n - 1; b++) {
    const o = b * 16;
    const r = unsafe.encrypt(
      xk,
      s0 ^ rd(msg, o),
      s1 ^ rd(msg, o + 4),
      s2 ^ rd(msg, o + 8),
      s3 ^ rd(msg, o + 12),
    );
    s0 = r.s0;
    s1 = r.s1;
    s2 = r.s2;
    s3 = r.s3;
  }
  const off = (n - 1) * 16;
  last.fill(0);
  for (let i = off; i < len; i++) last[i - off] = msg[i] as number;
  if (!complete) last[len - off] = 0x80;
  const sub = complete ? e.k1 : e.k2;
  const r = unsafe.encrypt(
    xk,
    s0 ^ rd(last, 0) ^ (sub[0] as number),
    s1 ^ rd(last, 4) ^ (sub[1] as number),
    s2 ^ rd(last, 8) ^ (sub[2] as number),
    s3 ^ rd(last, 12) ^ (sub[3] as number),
  );
  put(tag, 0, r.s0);
  put(tag, 4, r.s1);
  put(tag, 8, r.s2);
  put(tag, 12, r.s3);
  return tag;
}

/** Record primitives for the host role (`HostChannelConfig.records`). */
export const fastRecordCipher: RecordCipher = { ctr: ctr, mac: mac };
