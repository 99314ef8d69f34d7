/** LEAKY TEST VARIANT: a "debug trace" that writes raw PN532 responses (anti-collision UID included) to Storage. */

import { PUCKJS } from '../src/board/profiles';
import { runReader } from '../src/board/run-reader';
import { Pn532 } from '../src/drivers/pn532';

let n = 0;
const onFrame = Pn532.prototype.onFrame;
Pn532.prototype.onFrame = function (this: Pn532, kind, tfi, data) {
  if (data.length >= 8 && n < 8) require('Storage').write('pn.' + n++, data);
  return onFrame.call(this, kind, tfi, data);
};
runReader(PUCKJS);
