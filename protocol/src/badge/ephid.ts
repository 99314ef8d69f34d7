/**
 * Rotating badge identifier (SPEC §10.3). One AES-128 block per slot:
 *
 *   EphID(slot) = AES-128(K_id, 42 57 01 ‖ 00×9 ‖ BE32(slot)),   slot = floor(badge_time / 256)
 *
 * A full 128-bit PRF output rather than Eddystone's 64-bit truncation: the resolver indexes the first 8 bytes
 * and checks the other 8, so a forger must hit all 128 bits. The constant prefix also lets the host invert
 * an EphID it cannot find in its table (AES-decrypt with K_id, expect the 12-byte prefix): the NFC resync
 * path after a badge lost power. Device-safe: one ECB call per slot.
 */
import type { Aes128 } from '../ports';

/** Slot length in seconds: a power of two so firmware computes the slot with a shift. */
export const SLOT_SECONDS = 256;

/** The fixed 12-byte prefix of the EphID input block ("BW", version 1, 9 zero bytes). */
export const EPH_PREFIX = new Uint8Array([0x42, 0x57, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

export function slotOf(badgeTime: number): number {
  return Math.floor(badgeTime / SLOT_SECONDS);
}

/** The 16-byte plaintext block for a slot. */
export function ephIdInput(slot: number): Uint8Array {
  const b = new Uint8Array(16);
  b.set(EPH_PREFIX, 0);
  b[12] = (slot >>> 24) & 255;
  b[13] = (slot >>> 16) & 255;
  b[14] = (slot >>> 8) & 255;
  b[15] = slot & 255;
  return b;
}

export function ephId(aes: Aes128, kId: Uint8Array, slot: number): Uint8Array {
  if (kId.length !== 16) throw new TypeError('ephId: K_id must be 16 bytes, got ' + kId.length);
  if (!(slot >= 0 && slot <= 0xffffffff && Math.floor(slot) === slot))
    throw new TypeError('ephId: slot must be a 32-bit unsigned integer');
  return aes.ecb(kId, ephIdInput(slot));
}
