/**
 * BW-SC packet header: the clear part of every packet the framing layer carries (spec 30-secure-channel §2).
 *
 *   hdr(1) = version << 4 | flags   flags bit 0 = direction (0 host->reader, 1 reader->host), bits 1-3 zero
 *   type(1)                         HELLO, AUTH, CONFIRM, RECORD, ALERT
 *   ctr(4)  big-endian              0 in handshake packets and ALERT, >= 1 in records
 *
 * Decoding stops at the security boundary: this file only checks the layout; tags are checked by the roles.
 * Device-safe.
 */
import { readU32BE, writeU32BE } from '../bytes';
import {
  E_CH_DIRECTION,
  E_CH_MALFORMED,
  E_CH_UNKNOWN_PACKET,
  E_CH_VERSION,
  fail,
  ok,
  type Result,
} from '../errors';
import {
  DIR_H2R,
  DIR_R2H,
  HDR_LEN,
  HS_VERSION,
  MAX_PACKET,
  NONCE_LEN,
  P_ALERT,
  P_RECORD,
  READER_ID_LEN,
  TAG_LEN,
} from './wire';

export {
  DIR_H2R,
  DIR_R2H,
  HDR_LEN,
  HS_VERSION,
  KEY_LEN,
  MAX_BODY,
  MAX_PACKET,
  MAX_VERSION,
  MIN_VERSION,
  NONCE_LEN,
  P_ALERT,
  P_AUTH,
  P_CONFIRM,
  P_HELLO,
  P_RECORD,
  READER_ID_LEN,
  TAG_LEN,
} from './wire';

/** Minimum packet sizes per type (header + fixed body + tag). */
const MIN_LEN: { [t: number]: number } = {
  1: HDR_LEN + 2 + NONCE_LEN,
  2: HDR_LEN + 1 + READER_ID_LEN + NONCE_LEN + TAG_LEN,
  3: HDR_LEN + TAG_LEN,
  4: HDR_LEN + 1 + TAG_LEN,
  5: HDR_LEN + 2,
};
/** Which direction may send each packet type (ALERT: either). */
const SENDER: { [t: number]: number } = { 1: DIR_H2R, 2: DIR_R2H, 3: DIR_H2R, 4: -1, 5: -1 };

export interface Packet {
  ver: number;
  dir: number;
  type: number;
  ctr: number;
  /** The whole packet (not copied). */
  raw: Uint8Array;
}

export function writeHeader(out: Uint8Array, ver: number, dir: number, type: number, ctr: number): void {
  out[0] = (ver << 4) | dir;
  out[1] = type;
  writeU32BE(out, 2, ctr);
}

/**
 * Checks the clear layout of a packet arriving at the side that expects direction `want`. Never throws:
 * any byte string gives a typed result.
 */
export function parsePacket(b: Uint8Array, want: number): Result<Packet> {
  if (b.length < HDR_LEN) return fail(E_CH_MALFORMED, b.length);
  if (b.length > MAX_PACKET) return fail(E_CH_MALFORMED, MAX_PACKET);
  const h = b[0] as number;
  const type = b[1] as number;
  const ver = h >> 4;
  const dir = h & 1;
  if ((h & 14) !== 0) return fail(E_CH_MALFORMED, 0);
  const min = MIN_LEN[type];
  if (min === undefined) return fail(E_CH_UNKNOWN_PACKET, 1);
  if (dir !== want) return fail(E_CH_DIRECTION, 0);
  const sender = SENDER[type] as number;
  if (sender >= 0 && sender !== dir) return fail(E_CH_DIRECTION, 1);
  if (b.length < min) return fail(E_CH_MALFORMED, b.length);
  const ctr = readU32BE(b, 2);
  if (type === P_RECORD) {
    if (ctr === 0) return fail(E_CH_MALFORMED, 2);
  } else {
    if (ctr !== 0) return fail(E_CH_MALFORMED, 2);
    if (ver !== HS_VERSION) return fail(E_CH_VERSION, 0);
  }
  return ok({ ver: ver, dir: dir, type: type, ctr: ctr, raw: b });
}

/** ALERT: a clear, unauthenticated hint ("no session", "no common version"). Receivers never trust it. */
export function encodeAlert(dir: number, code: number): Uint8Array {
  const out = new Uint8Array(HDR_LEN + 2);
  writeHeader(out, HS_VERSION, dir, P_ALERT, 0);
  out[HDR_LEN] = (code >> 8) & 255;
  out[HDR_LEN + 1] = code & 255;
  return out;
}

export function alertCode(p: Packet): number {
  return (((p.raw[HDR_LEN] as number) << 8) | (p.raw[HDR_LEN + 1] as number)) >>> 0;
}
