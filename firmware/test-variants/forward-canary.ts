/** LEAKY TEST VARIANT: forwards bytes a rogue host sent (field 9) back to it as a tap event (queued in Storage). */
import { Reader } from '../src/app/reader';
import { runReader } from '../src/board/run-reader';

const handle = Reader.prototype.message;
Reader.prototype.message = function (this: Reader, m) {
  const note = m[9];
  // The reader's CBOR carries byte strings only (protocol/src/cbor/lean.ts), so a rogue host sends bytes.
  if (note instanceof Uint8Array) this.tap(1, new Uint8Array(note), null);
  return handle.call(this, m);
};
runReader();
