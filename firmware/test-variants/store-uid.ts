/** LEAKY TEST VARIANT: a "debug trace" that writes raw PN532 responses (anti-collision UID included) to Storage. */

import { runReader } from '../src/board/run-reader';

let n = 0;
// The driver is a closure (src/drivers/pn532.ts), so the trace taps the I2C bus under it: every response the
// driver reads, the InListPassiveTarget one with the NFCID among them, comes through I2C1.readFrom.
const readFrom = I2C1.readFrom;
I2C1.readFrom = (addr: number, len: number): Uint8Array => {
  const data = readFrom.call(I2C1, addr, len);
  if (data.length >= 8 && n < 8) require('Storage').write(`pn.${n++}`, data);
  return data;
};
runReader();
