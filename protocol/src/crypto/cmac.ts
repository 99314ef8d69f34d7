/**
 * AES-CMAC (NIST SP 800-38B, RFC 4493) over the `Aes128` port, in one CBC call per message so Espruino pays
 * one native call instead of one per block. Works with 16- and 32-byte keys (the block is always 128 bits).
 * Differential-tested against @noble/ciphers `cmac` and checked against RFC 4493 §4.
 */
import type { Aes128 } from '../ports';

/** Doubling in GF(2^128) with the CMAC polynomial (RFC 4493 §2.3). */
function dbl(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  let carry = 0;
  for (let i = 15; i >= 0; i--) {
    const v = b[i] as number;
    out[i] = ((v << 1) | carry) & 255;
    carry = v >> 7;
  }
  if (carry) out[15] = (out[15] as number) ^ 0x87;
  return out;
}

/** The CMAC subkeys K1, K2 for a key: cache them per key where one key MACs many messages (the link). */
export interface CmacKey {
  key: Uint8Array;
  k1: Uint8Array;
  k2: Uint8Array;
}

export function cmacKey(aes: Aes128, key: Uint8Array): CmacKey {
  const l = aes.ecb(key, new Uint8Array(16));
  const k1 = dbl(l);
  return { key: key, k1: k1, k2: dbl(k1) };
}

/** CMAC with precomputed subkeys: the full 16-byte tag. */
export function cmacWith(aes: Aes128, ck: CmacKey, msg: Uint8Array): Uint8Array {
  const n = msg.length === 0 ? 1 : Math.ceil(msg.length / 16);
  const complete = msg.length > 0 && msg.length % 16 === 0;
  const m = new Uint8Array(n * 16);
  m.set(msg, 0);
  const last = (n - 1) * 16;
  let sub = ck.k1;
  if (!complete) {
    m[msg.length] = 0x80;
    sub = ck.k2;
  }
  for (let i = 0; i < 16; i++) m[last + i] = (m[last + i] as number) ^ (sub[i] as number);
  const c = aes.cbc(ck.key, new Uint8Array(16), m);
  return new Uint8Array(c.subarray(c.length - 16, c.length));
}

export function cmac(aes: Aes128, key: Uint8Array, msg: Uint8Array): Uint8Array {
  return cmacWith(aes, cmacKey(aes, key), msg);
}
