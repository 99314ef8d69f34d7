/**
 * NFC tap frame (SPEC §10.5): what an MCU badge emulating a tag answers, 33 bytes.
 *
 *   hdr(1) ‖ EphID(16) ‖ AES-128(K_tap, BE32 ctr ‖ BE32 badge_time ‖ chal[8])
 *
 * hdr 12 = mode C (the reader relays a single-use 8-byte challenge issued by the host: doors), hdr 13 =
 * mode S (no challenge, chal = 00×8: lead capture, freshness from the counter and the badge clock). The
 * header is not encrypted but cannot be changed undetected: flipping C↔S makes the host expect a different
 * `chal`, which is 64 bits of redundancy inside the block. The counter strictly increases on the badge and
 * is never sent in clear, so two taps of one badge share no visible field (the EphID rotates per slot).
 * The encoder is device-safe (one ECB call); the decoder only splits the frame and never throws.
 */
import { E_BADGE_HEADER, E_BADGE_LENGTH, fail, ok, type Result } from '../errors';
import type { Aes128 } from '../ports';

export const HDR_TAP_C = 0x12;
export const HDR_TAP_S = 0x13;
export const TAP_LENGTH = 33;

function u32(what: string, v: number): void {
  if (!(v >= 0 && v <= 0xffffffff && Math.floor(v) === v))
    throw new TypeError('encodeTap: ' + what + ' must be a 32-bit unsigned integer');
}

/** The plaintext of the tap block. */
export function tapBlock(ctr: number, badgeTime: number, chal: Uint8Array): Uint8Array {
  const p = new Uint8Array(16);
  p[0] = (ctr >>> 24) & 255;
  p[1] = (ctr >>> 16) & 255;
  p[2] = (ctr >>> 8) & 255;
  p[3] = ctr & 255;
  p[4] = (badgeTime >>> 24) & 255;
  p[5] = (badgeTime >>> 16) & 255;
  p[6] = (badgeTime >>> 8) & 255;
  p[7] = badgeTime & 255;
  p.set(chal, 8);
  return p;
}

/**
 * Builds a tap frame. `hdr` is HDR_TAP_C or HDR_TAP_S; `chal` is the 8-byte challenge the reader sent
 * (mode C) or 00×8 (mode S). Throws TypeError only on programmer misuse (sizes, ranges).
 */
export function encodeTap(
  aes: Aes128,
  kTap: Uint8Array,
  eph: Uint8Array,
  hdr: number,
  ctr: number,
  badgeTime: number,
  chal: Uint8Array,
): Uint8Array {
  if (kTap.length !== 16) throw new TypeError('encodeTap: K_tap must be 16 bytes, got ' + kTap.length);
  if (eph.length !== 16) throw new TypeError('encodeTap: EphID must be 16 bytes, got ' + eph.length);
  if (hdr !== HDR_TAP_C && hdr !== HDR_TAP_S) throw new TypeError('encodeTap: unknown header ' + hdr);
  if (chal.length !== 8) throw new TypeError('encodeTap: challenge must be 8 bytes, got ' + chal.length);
  u32('counter', ctr);
  u32('badge time', badgeTime);
  const f = new Uint8Array(TAP_LENGTH);
  f[0] = hdr;
  f.set(eph, 1);
  f.set(aes.ecb(kTap, tapBlock(ctr, badgeTime, chal)), 17);
  return f;
}

export interface TapFrame {
  hdr: number;
  eph: Uint8Array;
  block: Uint8Array;
}

/** Splits a tap frame. E_BADGE_LENGTH unless exactly 33 bytes; E_BADGE_HEADER for an unknown header. */
export function decodeTap(bytes: Uint8Array): Result<TapFrame> {
  if (bytes.length !== TAP_LENGTH) return fail(E_BADGE_LENGTH, Math.min(bytes.length, TAP_LENGTH));
  const hdr = bytes[0] as number;
  if (hdr !== HDR_TAP_C && hdr !== HDR_TAP_S) return fail(E_BADGE_HEADER, 0);
  return ok({
    hdr: hdr,
    eph: new Uint8Array(bytes.subarray(1, 17)),
    block: new Uint8Array(bytes.subarray(17, 33)),
  });
}
