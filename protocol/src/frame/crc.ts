/**
 * CRC-16/AUG-CCITT (poly 0x1021, init 0x1D0F, no reflection, no final XOR): the CRC of OSDP v2.2 packets,
 * so one check value and the OSDP Annex E examples pin it (SPEC.md, framing). Bitwise rather than a
 * 256-entry table: a reader frame is at most 514 bytes and Espruino RAM is scarcer than cycles.
 */

export const CRC16_INIT = 0x1d0f;

/** Folds `data[start, end)` into `crc` (start from CRC16_INIT). */
export function crc16Update(crc: number, data: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    crc ^= (data[i] as number) << 8;
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** CRC-16/AUG-CCITT of a whole array. On the wire it is appended least significant byte first, as in OSDP. */
export function crc16(data: Uint8Array): number {
  return crc16Update(CRC16_INIT, data, 0, data.length);
}
