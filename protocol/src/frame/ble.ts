/**
 * BLE transport rule (SPEC.md, framing over BLE): the Nordic UART Service carries the very same framed bytes
 * as serial, COBS and CRC included, cut into writes of at most ATT_MTU - 3 bytes (20 at the default MTU)
 * at arbitrary byte boundaries. The receiver feeds every notification to its Deframer, which already takes
 * chunks of any size, so BLE needs no segmentation header and no second reassembly state machine; a lost
 * write surfaces as a CRC or COBS fault (line noise), never as a spliced record reaching the MAC check.
 */

/** The payload room of one GATT write or notification at the default ATT_MTU of 23. */
export const BLE_DEFAULT_WRITE = 20;

/** Splits framed bytes into views of at most `maxWrite` bytes, in order. Throws TypeError if maxWrite < 1. */
export function chunkForBle(framed: Uint8Array, maxWrite: number): Uint8Array[] {
  if (!(maxWrite >= 1)) throw new TypeError('chunkForBle: maxWrite must be >= 1, got ' + maxWrite);
  const out: Uint8Array[] = [];
  for (let i = 0; i < framed.length; i += maxWrite) {
    out.push(framed.subarray(i, Math.min(i + maxWrite, framed.length)));
  }
  return out;
}
