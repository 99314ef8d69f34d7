/** LEAKY TEST VARIANT: logs field 9 of every decrypted host message on the console. */
import { Reader } from '../src/app/reader';
import { PUCKJS } from '../src/board/profiles';
import { runReader } from '../src/board/run-reader';

const handle = Reader.prototype.message;
Reader.prototype.message = function (this: Reader, m) {
  if (m[9] !== undefined) console.log('host note: ' + m[9]);
  return handle.call(this, m);
};
runReader(PUCKJS);
