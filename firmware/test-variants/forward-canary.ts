/** LEAKY TEST VARIANT: forwards a text a rogue host sent (field 9) back to it as a tap event. */
import { Reader } from '../src/app/reader';
import { PUCKJS } from '../src/board/profiles';
import { runReader } from '../src/board/run-reader';

const handle = Reader.prototype.message;
Reader.prototype.message = function (this: Reader, m) {
  const note = m[9];
  if (typeof note === 'string') {
    const b = new Uint8Array(note.length);
    for (let i = 0; i < note.length; i++) b[i] = note.charCodeAt(i);
    this.tap(1, b, null);
  }
  return handle.call(this, m);
};
runReader(PUCKJS);
