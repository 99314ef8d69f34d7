/**
 * NXP AN10922 §2.2 AES-128 key diversification, as NTAG 424 DNA personalisation tools apply it:
 *
 *   D = 01 ‖ M  (M = UID ‖ AID ‖ SystemIdentifier, 1..31 bytes)
 *   DivKey = CMAC'(K, D), where D is ALWAYS padded with 80 00… to 32 bytes (two blocks) and the last block
 *   is masked with K2, except when D is exactly 32 bytes (no padding, K1).
 *
 * This equals RFC 4493 CMAC only when 16 < |D| <= 32; for |D| <= 16 plain CMAC would pad to one block
 * and give a different key, so this is its own function (one CBC call over the two prepared blocks).
 */

import { cmacKey } from '../crypto/cmac';
import type { Aes128 } from '../ports';

const ZERO = new Uint8Array(16);

export function an10922(aes: Aes128, key: Uint8Array, m: Uint8Array): Uint8Array {
  if (key.length !== 16) throw new TypeError('an10922: key must be 16 bytes, got ' + key.length);
  if (m.length < 1 || m.length > 31) throw new TypeError('an10922: M must be 1..31 bytes, got ' + m.length);
  const ck = cmacKey(aes, key);
  const d = new Uint8Array(32);
  d[0] = 0x01;
  d.set(m, 1);
  let sub = ck.k1;
  if (m.length + 1 < 32) {
    d[m.length + 1] = 0x80;
    sub = ck.k2;
  }
  for (let i = 0; i < 16; i++) d[16 + i] = (d[16 + i] as number) ^ (sub[i] as number);
  const c = aes.cbc(key, ZERO, d);
  return new Uint8Array(c.subarray(16, 32));
}
