/**
 * BW-SC handshake packet layouts (spec 30-secure-channel §3). Fixed binary fields, parsed before any key is
 * known, so the pre-authentication parser is a handful of offset reads (no CBOR before the tag is checked).
 * Device-safe.
 *
 *   HELLO   H->R  hdr ‖ 01 ‖ 0^4 ‖ minVer(1) ‖ maxVer(1) ‖ Nh(16) ‖ ext(*)
 *   AUTH    R->H  hdr ‖ 02 ‖ 0^4 ‖ ver(1) ‖ readerId(8) ‖ Nr(16) ‖ info(*) ‖ tagR(8)
 *   CONFIRM H->R  hdr ‖ 03 ‖ 0^4 ‖ ext(*) ‖ tagH(8)
 *
 * `ext` is reserved for later versions: ignored but covered by the transcript tags. `info` is opaque to the
 * channel (the session layer puts firmware version and capabilities there) and authenticated by tagR.
 */
import { E_CH_MALFORMED, fail, ok, type Result } from '../errors';
import type { Aes128 } from '../ports';
import { type SessionKeys, tagH, tagR } from './keys';
import {
  DIR_H2R,
  DIR_R2H,
  HDR_LEN,
  HS_VERSION,
  MAX_PACKET,
  NONCE_LEN,
  P_AUTH,
  P_CONFIRM,
  P_HELLO,
  type Packet,
  READER_ID_LEN,
  TAG_LEN,
  writeHeader,
} from './packet';

export interface Hello {
  minVer: number;
  maxVer: number;
  nh: Uint8Array;
}

export interface Auth {
  ver: number;
  readerId: Uint8Array;
  nr: Uint8Array;
  info: Uint8Array;
}

const AUTH_FIXED = HDR_LEN + 1 + READER_ID_LEN + NONCE_LEN;

export function encodeHello(minVer: number, maxVer: number, nh: Uint8Array): Uint8Array {
  const out = new Uint8Array(HDR_LEN + 2 + NONCE_LEN);
  writeHeader(out, HS_VERSION, DIR_H2R, P_HELLO, 0);
  out[HDR_LEN] = minVer;
  out[HDR_LEN + 1] = maxVer;
  out.set(nh, HDR_LEN + 2);
  return out;
}

/** Body of a HELLO that `parsePacket` accepted (length already checked). */
export function decodeHello(p: Packet): Result<Hello> {
  const b = p.raw;
  const minVer = b[HDR_LEN] as number;
  const maxVer = b[HDR_LEN + 1] as number;
  if (minVer < 1 || maxVer < minVer) return fail(E_CH_MALFORMED, HDR_LEN);
  return ok({
    minVer: minVer,
    maxVer: maxVer,
    nh: new Uint8Array(b.subarray(HDR_LEN + 2, HDR_LEN + 2 + NONCE_LEN)),
  });
}

/** AUTH with its tagR computed over the transcript. */
export function encodeAuth(aes: Aes128, keys: SessionKeys, hello: Uint8Array, a: Auth): Result<Uint8Array> {
  const len = AUTH_FIXED + a.info.length + TAG_LEN;
  if (len > MAX_PACKET) return fail(E_CH_MALFORMED, len);
  const out = new Uint8Array(len);
  writeHeader(out, HS_VERSION, DIR_R2H, P_AUTH, 0);
  out[HDR_LEN] = a.ver;
  out.set(a.readerId, HDR_LEN + 1);
  out.set(a.nr, HDR_LEN + 1 + READER_ID_LEN);
  out.set(a.info, AUTH_FIXED);
  out.set(tagR(aes, keys.conf, hello, out.subarray(0, len - TAG_LEN)), len - TAG_LEN);
  return ok(out);
}

export function decodeAuth(p: Packet): Auth {
  const b = p.raw;
  return {
    ver: b[HDR_LEN] as number,
    readerId: new Uint8Array(b.subarray(HDR_LEN + 1, HDR_LEN + 1 + READER_ID_LEN)),
    nr: new Uint8Array(b.subarray(HDR_LEN + 1 + READER_ID_LEN, AUTH_FIXED)),
    info: new Uint8Array(b.subarray(AUTH_FIXED, b.length - TAG_LEN)),
  };
}

/** The tag a received AUTH must carry under `keys`. */
export function expectedTagR(
  aes: Aes128,
  keys: SessionKeys,
  hello: Uint8Array,
  auth: Uint8Array,
): Uint8Array {
  return tagR(aes, keys.conf, hello, auth.subarray(0, auth.length - TAG_LEN));
}

export function encodeConfirm(
  aes: Aes128,
  keys: SessionKeys,
  hello: Uint8Array,
  auth: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(HDR_LEN + TAG_LEN);
  writeHeader(out, HS_VERSION, DIR_H2R, P_CONFIRM, 0);
  out.set(tagH(aes, keys.conf, hello, auth, out.subarray(0, HDR_LEN)), HDR_LEN);
  return out;
}

export function expectedTagH(
  aes: Aes128,
  keys: SessionKeys,
  hello: Uint8Array,
  auth: Uint8Array,
  confirm: Uint8Array,
): Uint8Array {
  return tagH(aes, keys.conf, hello, auth, confirm.subarray(0, confirm.length - TAG_LEN));
}

/** The tag bytes a packet carries at its end. */
export function tagOf(b: Uint8Array): Uint8Array {
  return b.subarray(b.length - TAG_LEN, b.length);
}
