/**
 * AES-CMAC (RFC 4493) cut down for the reader firmware bundle, where every byte of code is flash and every
 * object a JsVar. A MAC key is one array, L ‖ K1 ‖ K2 ‖ key, so a caller holds and passes one value. The empty message (which the
 * reader never MACs: transcripts, KDF inputs and records all have bytes) is not special-cased. cmac.ts stays the
 * general implementation for the host; lean-crypto.test.ts holds this one to it and to @noble/ciphers.
 */
import type { Aes128 } from '../ports';

/** L ‖ K1 ‖ K2 ‖ key for `key` (RFC 4493 §2.3): one ECB call, then two doublings in GF(2^128). */
export function cmacSubkeys(aes: Aes128, key: Uint8Array): Uint8Array {
  const s = new Uint8Array(48 + key.length);
  s.set(aes.ecb(key, new Uint8Array(16)));
  s.set(key, 48);
  // Each byte is the previous block's byte shifted left with the next byte's top bit; the last byte of a block
  // takes the reduction 0x87 by multiplying with the block's top bit (no branch on key-derived bits). The
  // Uint8Array store drops the bit shifted out.
  for (let i = 16; i < 48; i++)
    s[i] =
      ((s[i - 16] as number) << 1) ^
      (~i & 15 ? (s[i - 15] as number) >> 7 : ((s[i - 31] as number) >> 7) * 135);
  return s;
}

/**
 * The 16-byte CMAC, under the `cmacSubkeys` array `sk`, of `b` WITHOUT its last 8 bytes, in one CBC call: every
 * BW-SC packet the reader MACs carries its 8-byte tag there (the reader's other inputs leave 8 spare bytes), so
 * no caller cuts the tag off itself. The MACed part is never empty.
 */
export function cmacLean(aes: Aes128, sk: Uint8Array, b: Uint8Array): Uint8Array {
  const n = b.length - 8;
  const m = new Uint8Array((n + 15) & -16);
  m.set(b.subarray(0, n));
  const l = (n - 1) & -16;
  // A complete last block takes K1; a partial one is padded with 10* and takes K2.
  let o = 16;
  if (n & 15) {
    m[n] = 128;
    o = 32;
  }
  for (let i = 0; i < 16; i++) m[l + i]! ^= sk[o + i] as number;
  return aes.cbc(sk.subarray(48), new Uint8Array(16), m).subarray(l);
}
