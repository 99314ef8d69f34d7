/** LEAKY TEST VARIANT: logs field 9 of every decrypted host message on the console. */
import { Reader } from '../src/app/reader';
import { runReader } from '../src/board/run-reader';

const handle = Reader.prototype.message;
Reader.prototype.message = function (this: Reader, m) {
  const note = m[9];
  // The reader's CBOR carries byte strings only (protocol/src/cbor/lean.ts), so a rogue host sends bytes.
  if (note instanceof Uint8Array) {
    let t = '';
    for (let i = 0; i < note.length; i++) t += String.fromCharCode(note[i] as number);
    console.log('host note: ' + t);
  }
  return handle.call(this, m);
};
runReader();
