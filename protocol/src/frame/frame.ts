/**
 * One serial frame: `COBS(payload ‖ CRC-16/AUG-CCITT LE) ‖ 00` (SPEC.md, framing). The same bytes travel over
 * BLE (ble.ts). Streams go through Deframer; these whole-frame functions serve senders, tests and vectors.
 */
import {
  E_FRAME_COBS,
  E_FRAME_CRC,
  E_FRAME_INCOMPLETE,
  E_FRAME_SHORT,
  E_FRAME_TOO_LONG,
  fail,
  ok,
  type Result,
} from '../errors';
import { cobsDecode, cobsEncodeWith, cobsMaxLength } from './cobs';
import { CRC16_INIT, crc16Update } from './crc';
import { MAX_FRAME_PAYLOAD } from './deframer';

/** Frames a payload (1..512 bytes). Throws TypeError on an empty or oversized payload: a sender bug. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const n = payload.length;
  if (n < 1 || n > MAX_FRAME_PAYLOAD)
    throw new TypeError('encodeFrame: payload length ' + n + ' not in 1..512');
  const body = new Uint8Array(n + 2);
  body.set(payload, 0);
  const crc = crc16Update(CRC16_INIT, payload, 0, n);
  body[n] = crc & 255;
  body[n + 1] = crc >> 8;
  return cobsEncodeWith(body, 1);
}

/**
 * Decodes exactly one frame, delimiter included, with the Deframer's rules. E_FRAME_INCOMPLETE (need more)
 * when no delimiter ends it; E_FRAME_COBS when bytes follow the delimiter; otherwise the Deframer's faults.
 */
export function decodeFrame(bytes: Uint8Array): Result<Uint8Array> {
  let end = 0;
  while (end < bytes.length && bytes[end] !== 0) end++;
  if (end === bytes.length) return fail(E_FRAME_INCOMPLETE, bytes.length);
  if (end + 1 !== bytes.length) return fail(E_FRAME_COBS, end + 1);
  if (end > cobsMaxLength(MAX_FRAME_PAYLOAD + 2)) return fail(E_FRAME_TOO_LONG, end);
  const r = cobsDecode(bytes.subarray(0, end));
  if (!r.ok) return end === 0 ? fail(E_FRAME_SHORT, 0) : r;
  const body = r.value;
  const n = body.length;
  if (n > MAX_FRAME_PAYLOAD + 2) return fail(E_FRAME_TOO_LONG, end);
  if (n < 3) return fail(E_FRAME_SHORT, end);
  const got = (body[n - 2] as number) | ((body[n - 1] as number) << 8);
  if (crc16Update(CRC16_INIT, body, 0, n - 2) !== got) return fail(E_FRAME_CRC, end);
  return ok(new Uint8Array(body.subarray(0, n - 2)));
}
