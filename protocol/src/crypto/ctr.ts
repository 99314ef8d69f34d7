/**
 * AES-CTR built from one ECB call over the counter blocks. Espruino's own CTR mode ignores the IV (the
 * counter always starts at zero), so it is unusable for nonces; this construction is the portable one.
 * The 128-bit counter block increments big-endian, as NIST SP 800-38A and @noble/ciphers `ctr` do.
 */
import type { Aes128 } from '../ports';

export function ctr(aes: Aes128, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (iv.length !== 16) throw new TypeError('ctr: iv length ' + iv.length);
  const blocks = Math.ceil(data.length / 16);
  const ctrs = new Uint8Array(blocks * 16);
  const c = new Uint8Array(iv);
  for (let b = 0; b < blocks; b++) {
    ctrs.set(c, b * 16);
    for (let i = 15; i >= 0; i--) {
      const v = ((c[i] as number) + 1) & 255;
      c[i] = v;
      if (v !== 0) break;
    }
  }
  const ks = aes.ecb(key, ctrs);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] as number) ^ (ks[i] as number);
  return out;
}
