/**
 * Key hierarchy (SPEC §10.2). Everything is derived from one per-event master key MK (32 bytes, host only)
 * with the SP 800-108 CMAC counter-mode KDF of crypto/kdf.ts, so the host can re-derive any badge key from
 * MK and the badge serial instead of storing 100 000 keys:
 *
 *   K_b   = KDF(MK,  "BW-BADGE", serial, 32)     AES-256-CMAC PRF (MK is 32 bytes)
 *   K_id  = KDF(K_b, "BW-ID",    "",     16)     AES-128: EphID
 *   K_tap = KDF(K_b, "BW-TAP",   "",     16)     AES-128: NFC tap block
 *
 * K_id and K_tap are AES-128 because the badge's only hardware cipher (the nRF52 ECB peripheral behind
 * Espruino's crypto.AES) and NTAG 424 DNA implement nothing else. Distinct labels make the two badge keys
 * independent PRF outputs: leaking K_id (BLE tracking) gives nothing towards K_tap (door taps).
 */
import { ascii } from '../bytes';
import { kdfCmac } from '../crypto/kdf';
import type { Aes128 } from '../ports';

export interface BadgeKeys {
  kId: Uint8Array;
  kTap: Uint8Array;
}

const EMPTY = new Uint8Array(0);

function checkMk(mk: Uint8Array): void {
  if (mk.length !== 32) throw new TypeError('master key must be 32 bytes, got ' + mk.length);
}

export function deriveBadgeKeys(aes: Aes128, mk: Uint8Array, serial: Uint8Array): BadgeKeys {
  checkMk(mk);
  if (serial.length < 1 || serial.length > 64)
    throw new TypeError('badge serial must be 1..64 bytes, got ' + serial.length);
  const kb = kdfCmac(aes, mk, ascii('BW-BADGE'), serial, 32);
  const keys = {
    kId: kdfCmac(aes, kb, ascii('BW-ID'), EMPTY, 16),
    kTap: kdfCmac(aes, kb, ascii('BW-TAP'), EMPTY, 16),
  };
  kb.fill(0);
  return keys;
}

/** Event-wide keys for passive NTAG 424 DNA badges (SPEC §10.6). */
export interface SunEventKeys {
  /** K_SDMMetaRead: common to every tag, because the host must decrypt PICCData before it knows the UID. */
  metaRead: Uint8Array;
  /** AN10922 master for K_SDMFileRead = AN10922(fileMaster, UID ‖ AID ‖ SystemIdentifier). */
  fileMaster: Uint8Array;
  /** Keys the opaque tag reference the host stores instead of the UID. */
  ref: Uint8Array;
}

export function deriveSunKeys(aes: Aes128, mk: Uint8Array): SunEventKeys {
  checkMk(mk);
  return {
    metaRead: kdfCmac(aes, mk, ascii('BW-SUN-META'), EMPTY, 16),
    fileMaster: kdfCmac(aes, mk, ascii('BW-SUN-FILE'), EMPTY, 16),
    ref: kdfCmac(aes, mk, ascii('BW-SUN-REF'), EMPTY, 16),
  };
}
