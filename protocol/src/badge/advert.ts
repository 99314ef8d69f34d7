/**
 * BLE presence advertisement (SPEC §10.4): legacy ADV_NONCONN_IND data, 24 of 31 bytes.
 *
 *   02 01 06 | 14 FF | CID(2, LE) | hdr 11 | EphID(16)
 *
 * Every byte other than the EphID is identical on every badge of a deployment (no name, no TX power, no
 * counter), so nothing but the EphID distinguishes two badges, and the EphID changes every slot. The
 * encoder is device-safe; the decoder is for readers and the host and returns `Result`, never throws.
 */
import { E_BADGE_HEADER, E_BADGE_LENGTH, fail, ok, type Result } from '../errors';

/** hdr byte: version 1 (high nibble), frame type 1 = presence. */
export const HDR_PRESENCE = 0x11;
export const ADV_LENGTH = 24;
/** Manufacturer-specific data AD type (Bluetooth Assigned Numbers, "Common Data Types"). */
const AD_FLAGS = 0x01;
const AD_MANUFACTURER = 0xff;
/** LE General Discoverable, BR/EDR not supported. */
const FLAGS = 0x06;
/** Manufacturer AD payload: CID(2) + hdr(1) + EphID(16). */
const MFR_LEN = 19;

export function encodeAdvertisement(cid: number, eph: Uint8Array): Uint8Array {
  if (!(cid >= 0 && cid <= 0xffff && Math.floor(cid) === cid))
    throw new TypeError('encodeAdvertisement: company ID must be a 16-bit integer');
  if (eph.length !== 16)
    throw new TypeError('encodeAdvertisement: EphID must be 16 bytes, got ' + eph.length);
  const b = new Uint8Array(ADV_LENGTH);
  b[0] = 2;
  b[1] = AD_FLAGS;
  b[2] = FLAGS;
  b[3] = MFR_LEN + 1;
  b[4] = AD_MANUFACTURER;
  b[5] = cid & 255;
  b[6] = (cid >>> 8) & 255;
  b[7] = HDR_PRESENCE;
  b.set(eph, 8);
  return b;
}

export interface Advertisement {
  cid: number;
  hdr: number;
  eph: Uint8Array;
}

/**
 * Parses advertising data as AD structures (Core Spec Vol 3 Part C §11) and takes the one manufacturer
 * structure. Other structures (a stack may add its own) are tolerated; a zero length byte ends the
 * significant part. Errors: E_BADGE_LENGTH (malformed AD, wrong manufacturer length, two manufacturer
 * structures), E_BADGE_HEADER (no manufacturer data or not a badgewire presence frame: SKIP).
 */
export function decodeAdvertisement(bytes: Uint8Array): Result<Advertisement> {
  if (bytes.length > 31) return fail(E_BADGE_LENGTH, 31);
  let found = -1;
  let i = 0;
  while (i < bytes.length) {
    const len = bytes[i] as number;
    if (len === 0) break;
    if (i + 1 + len > bytes.length) return fail(E_BADGE_LENGTH, i);
    if (bytes[i + 1] === AD_MANUFACTURER) {
      if (found >= 0 || len !== MFR_LEN + 1) return fail(E_BADGE_LENGTH, i);
      found = i + 2;
    }
    i += 1 + len;
  }
  if (found < 0) return fail(E_BADGE_HEADER, -1);
  const hdr = bytes[found + 2] as number;
  if (hdr !== HDR_PRESENCE) return fail(E_BADGE_HEADER, found + 2);
  const cid = (bytes[found] as number) | ((bytes[found + 1] as number) << 8);
  return ok({ cid: cid, hdr: hdr, eph: new Uint8Array(bytes.subarray(found + 3, found + 19)) });
}
