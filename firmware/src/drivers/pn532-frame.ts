/**
 * PN532 frame codec (PN532 User Manual UM0701-02 §6.2.1): pure bytes in, bytes out. The simulator's chip
 * emulator speaks through it; the firmware driver (pn532.ts) builds and scans the same frames inline, for bytes
 * (issue #4), and pn532-driver.test.ts holds it to this codec. So both ends speak the same, byte-exact frames.
 *
 *   normal frame  00 00 FF LEN LCS TFI PD0..PDn DCS 00     LEN = |TFI..PDn|, LCS = -LEN, DCS = -(TFI+PD..)
 *   ACK           00 00 FF 00 FF 00
 *   NACK          00 00 FF FF 00 00
 *   error frame   00 00 FF 01 FF 7F 81 00                  (syntax error reported by the chip)
 *
 * Extended frames (LEN > 255) are never needed: an ISO-DEP exchange here is far below 255 bytes.
 * Decoding never throws: garbage before a start code is skipped, bad checksums come back as a typed result.
 */

// Number constants lead this import-free module so esbuild inlines them into the firmware (no JsVar each).
export const CMD_GET_FIRMWARE = 0x02;
export const CMD_SAM_CONFIG = 0x14;
export const CMD_RF_CONFIG = 0x32;
export const CMD_IN_DATA_EXCHANGE = 0x40;
export const CMD_IN_LIST_PASSIVE = 0x4a;
export const CMD_IN_RELEASE = 0x52;
/** Receive buffer size of the driver, bytes. */
export const RX_MAX = 280;

export const TFI_HOST = 0xd4;
export const TFI_CHIP = 0xd5;

/** Result kinds of `decodePn532`. */
export const F_MORE = 0; // no complete frame yet: keep the bytes, read more
export const F_ACK = 1;
export const F_NACK = 2;
export const F_DATA = 3;
export const F_ERROR = 4; // the chip's application-level error frame
export const F_BAD = 5; // bad LCS/DCS/postamble: `used` bytes are to be dropped

// Pure: a bundle that never uses one drops it (the driver writes its NACK out where it sends it).
export const ACK_FRAME = /* @__PURE__ */ new Uint8Array([0, 0, 0xff, 0, 0xff, 0]);
export const NACK_FRAME = /* @__PURE__ */ new Uint8Array([0, 0, 0xff, 0xff, 0, 0]);
export const ERROR_FRAME = /* @__PURE__ */ new Uint8Array([0, 0, 0xff, 1, 0xff, 0x7f, 0x81, 0]);

export interface Pn532Frame {
  kind: number;
  /** TFI of a data frame (D4 host→chip, D5 chip→host). */
  tfi: number;
  /** The bytes after TFI (command code first), for a data frame. */
  data: Uint8Array;
  /** Bytes consumed from `buf` starting at `start` (skipped garbage included). 0 when kind is F_MORE. */
  used: number;
}

// No module-level empty array: on Espruino it would hold RAM for the firmware's lifetime.
function result(kind: number, tfi: number, data: Uint8Array | null, used: number): Pn532Frame {
  return { kind: kind, tfi: tfi, data: data || new Uint8Array(0), used: used };
}

/** A normal information frame: TFI followed by `body` (command code and parameters). */
export function encodePn532(tfi: number, body: Uint8Array): Uint8Array {
  const len = body.length + 1;
  if (len > 255) throw new TypeError('pn532: frame body too long ' + body.length);
  const out = new Uint8Array(len + 7);
  out[2] = 0xff;
  out[3] = len;
  out[4] = (0x100 - len) & 255;
  out[5] = tfi;
  let sum = tfi;
  for (let i = 0; i < body.length; i++) {
    const v = body[i] as number;
    out[6 + i] = v;
    sum += v;
  }
  out[6 + body.length] = (0x100 - (sum & 255)) & 255;
  return out;
}

/**
 * Finds and decodes the first frame in `buf[start..end)`. The start code is `00 FF` (the leading 00 preamble
 * is optional, UM0701 §6.2.1.1). Bytes before it are garbage and count in `used`.
 */
export function decodePn532(buf: Uint8Array, start: number, end: number): Pn532Frame {
  let p = start;
  while (p + 1 < end && !(buf[p] === 0 && buf[p + 1] === 0xff)) p++;
  if (p + 1 >= end) return result(F_MORE, 0, null, 0);
  if (p + 4 > end) return result(F_MORE, 0, null, 0);
  const len = buf[p + 2] as number;
  const lcs = buf[p + 3] as number;
  // ACK (00 FF 00 FF 00) and NACK (00 FF FF 00 00): recognised before the length check because they are
  // the only frames whose LEN/LCS pair is 00/FF or FF/00.
  if (len === 0 && lcs === 0xff) {
    if (p + 5 > end) return result(F_MORE, 0, null, 0);
    return result(F_ACK, 0, null, p + 5 - start);
  }
  if (len === 0xff && lcs === 0) {
    if (p + 5 > end) return result(F_MORE, 0, null, 0);
    return result(F_NACK, 0, null, p + 5 - start);
  }
  if (((len + lcs) & 255) !== 0 || len === 0) return result(F_BAD, 0, null, p + 2 - start);
  const total = 4 + len + 2; // 00 FF LEN LCS + (TFI..PDn) + DCS + postamble
  if (p + total > end) return result(F_MORE, 0, null, 0);
  const tfi = buf[p + 4] as number;
  let sum = 0;
  for (let i = 0; i <= len; i++) sum += buf[p + 4 + i] as number;
  if ((sum & 255) !== 0) return result(F_BAD, 0, null, p + total - start);
  if (len === 1 && tfi === 0x7f) return result(F_ERROR, tfi, null, p + total - start);
  return result(F_DATA, tfi, new Uint8Array(buf.subarray(p + 5, p + 4 + len)), p + total - start);
}
