/** A fake NFC tag port: records UIDs and lets a test play the reader side with raw frames. */
import type { NfcTag } from '../src/ports';

export class FakeTag implements NfcTag {
  uids: string[] = [];
  rx: ((f: Uint8Array) => void) | null = null;
  fieldCb: ((on: boolean) => void) | null = null;
  sent: Uint8Array[] = [];
  start(uid: Uint8Array): void {
    this.uids.push(Buffer.from(uid).toString('hex'));
  }
  onRx(cb: (f: Uint8Array) => void): void {
    this.rx = cb;
  }
  send(resp: Uint8Array): void {
    this.sent.push(new Uint8Array(resp));
  }
  onField(cb: (on: boolean) => void): void {
    this.fieldCb = cb;
  }
  /** Sends one raw frame and returns the badge's answer (or null). */
  xfer(f: Uint8Array): Uint8Array | null {
    const n = this.sent.length;
    this.rx?.(f);
    return this.sent.length > n ? (this.sent[this.sent.length - 1] as Uint8Array) : null;
  }
}
