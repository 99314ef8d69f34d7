/**
 * Key derivation: NIST SP 800-108 KDF in counter mode with AES-CMAC as the PRF (the construction of
 * GlobalPlatform SCP03 and of AN10922's diversification family). One PRF block per 16 output bytes:
 *
 *   K(i) = CMAC(K_in, [i]_8 ‖ Label ‖ 0x00 ‖ Context ‖ [L]_16)      (L = output length in bits, big-endian)
 *
 * The input key may be 16 or 32 bytes; the output is `outLen` bytes (16 or 32 in badgewire).
 */
import type { Aes128 } from '../ports';
import { cmacKey, cmacWith } from './cmac';

export function kdfCmac(
  aes: Aes128,
  key: Uint8Array,
  label: Uint8Array,
  context: Uint8Array,
  outLen: number,
): Uint8Array {
  const ck = cmacKey(aes, key);
  const bits = outLen * 8;
  const out = new Uint8Array(outLen);
  const n = Math.ceil(outLen / 16);
  // [i]_8 ‖ Label ‖ 0x00 ‖ Context ‖ [L]_16, built once; only the counter byte changes per block.
  const input = new Uint8Array(label.length + context.length + 4);
  input.set(label, 1);
  input.set(context, label.length + 2);
  input[input.length - 2] = (bits >> 8) & 255;
  input[input.length - 1] = bits & 255;
  for (let i = 1; i <= n; i++) {
    input[0] = i;
    const k = cmacWith(aes, ck, input);
    const off = (i - 1) * 16;
    out.set(k.subarray(0, Math.min(16, outLen - off)), off);
  }
  return out;
}
