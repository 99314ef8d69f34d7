/**
 * Host and simulator implementation of the AES ports on @noble/ciphers (audited, constant-time tables).
 * Not in the device entry: Espruino boards use the native `crypto.AES` behind the same port.
 */
import { cbc, ecb } from '@noble/ciphers/aes.js';
import { randomBytes } from '@noble/ciphers/utils.js';
import type { AesDecrypt, Random } from '../ports';

function blocks(what: string, data: Uint8Array): void {
  if (data.length % 16 !== 0)
    throw new TypeError(what + ': data must be whole 16-byte blocks, got ' + data.length);
}

export const nobleAes: AesDecrypt = {
  ecb(key, data) {
    blocks('ecb', data);
    return ecb(key, { disablePadding: true }).encrypt(data);
  },
  cbc(key, iv, data) {
    blocks('cbc', data);
    return cbc(key, iv, { disablePadding: true }).encrypt(data);
  },
  ecbDecrypt(key, data) {
    blocks('ecbDecrypt', data);
    return ecb(key, { disablePadding: true }).decrypt(data);
  },
  cbcDecrypt(key, iv, data) {
    blocks('cbcDecrypt', data);
    return cbc(key, iv, { disablePadding: true }).decrypt(data);
  },
};

/** The platform CSPRNG (WebCrypto getRandomValues through @noble); it throws when none exists. */
export const secureRandom: Random = {
  fill(out) {
    out.set(randomBytes(out.length));
  },
};
