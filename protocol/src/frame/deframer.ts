/**
 * The push-based stream deframer for `COBS(payload ‖ CRC16-LE) ‖ 00` (SPEC.md, framing). Chunks of any size
 * go in; whole payloads or typed faults come out through the two callbacks given to the constructor.
 *
 * It decodes COBS byte by byte straight into one buffer that grows by doubling with the frame, never past
 * max payload + 2 CRC bytes, so memory stays bounded whatever arrives, and nothing is allocated per byte.
 * After a frame longer than SMALL bytes the buffer drops back to SMALL: an idle reader (where RAM is counted
 * in 13-byte JsVars) holds 64 bytes, not 514. The delivered payload is copied, because receivers keep it.
 * After any fault it discards up to the next 00, which is how it resynchronises after garbage, a lost BLE
 * write or a mid-frame start. Empty frames (00 00) are idle fill and are not reported.
 * It never throws on input; callbacks must not call `push` on the same deframer.
 */
import { E_FRAME_COBS, E_FRAME_CRC, E_FRAME_SHORT, E_FRAME_TOO_LONG, type Fail, fail } from '../errors';
import { CRC16_INIT, crc16Update } from './crc';
import { MAX_FRAME_PAYLOAD, DEFRAMER_SMALL as SMALL } from './limits';

export { MAX_FRAME_PAYLOAD } from './limits';

export class Deframer {
  private buf: Uint8Array;
  /** Most decoded bytes one frame may take: max payload + 2 CRC bytes. */
  private readonly cap: number;
  private readonly onFrame: (payload: Uint8Array) => void;
  private readonly onFault: (f: Fail) => void;
  /** Decoded bytes so far in this frame. */
  private n: number;
  /** Data bytes still to copy in the current COBS block; 0 means the next byte is a code byte. */
  private left: number;
  /** The current block was short (< 0xFF), so a zero is due if another block follows. */
  private zeroDue: boolean;
  /** Encoded bytes seen since the last delimiter: the `at` of faults. */
  private seen: number;
  /** A fault was reported for this frame: swallow bytes up to the next delimiter. */
  private skipping: boolean;
  /** Counters for metrics: frames delivered and faults reported since construction. */
  frames: number;
  faults: number;

  /** `maxPayload` defaults to MAX_FRAME_PAYLOAD; a reader may lower it to save RAM. */
  constructor(onFrame: (payload: Uint8Array) => void, onFault: (f: Fail) => void, maxPayload?: number) {
    const max = maxPayload === undefined ? MAX_FRAME_PAYLOAD : maxPayload;
    if (!(max >= 1 && max <= 65535)) throw new TypeError('Deframer: maxPayload out of range: ' + max);
    this.cap = max + 2;
    this.buf = new Uint8Array(Math.min(SMALL, this.cap));
    this.onFrame = onFrame;
    this.onFault = onFault;
    // Plain assignments, not field initialisers: esbuild lowers those to defineProperty helpers.
    this.n = 0;
    this.left = 0;
    this.zeroDue = false;
    this.seen = 0;
    this.skipping = false;
    this.frames = 0;
    this.faults = 0;
  }

  /** Bytes held for an unfinished frame (0 between frames). Never more than maxPayload + 2. */
  pending(): number {
    return this.n;
  }

  /** Forgets any partial frame, e.g. when the link reconnects, and gives back a grown buffer. */
  reset(): void {
    this.n = 0;
    this.left = 0;
    this.zeroDue = false;
    this.seen = 0;
    this.skipping = false;
    if (this.buf.length > SMALL) this.buf = new Uint8Array(SMALL);
  }

  /** Reports after the state is settled, so a callback that throws cannot leave a half-updated frame. */
  private fault(code: number, at: number): void {
    this.faults++;
    this.onFault(fail(code, at));
  }

  private end(): void {
    const seen = this.seen;
    const n = this.n;
    const left = this.left;
    const skipping = this.skipping;
    const buf = this.buf;
    this.reset();
    if (skipping || seen === 0) return;
    if (left !== 0) {
      this.fault(E_FRAME_COBS, seen);
      return;
    }
    if (n < 3) {
      this.fault(E_FRAME_SHORT, seen);
      return;
    }
    const crc = crc16Update(CRC16_INIT, buf, 0, n - 2);
    const got = (buf[n - 2] as number) | ((buf[n - 1] as number) << 8);
    if (crc !== got) {
      this.fault(E_FRAME_CRC, seen);
      return;
    }
    this.frames++;
    this.onFrame(new Uint8Array(buf.subarray(0, n - 2)));
  }

  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b === 0) {
        this.end();
        continue;
      }
      this.seen++;
      if (this.skipping) continue;
      // The decoded byte, if any: a data byte, or the zero a short block implies before the next block.
      let v = -1;
      if (this.left === 0) {
        if (this.zeroDue) v = 0;
        this.left = b - 1;
        this.zeroDue = b !== 0xff;
      } else {
        v = b;
        this.left--;
      }
      if (v < 0) continue;
      if (this.n >= this.buf.length) {
        if (this.n >= this.cap) {
          this.skipping = true;
          this.fault(E_FRAME_TOO_LONG, this.seen);
          continue;
        }
        const next = new Uint8Array(Math.min(this.cap, this.buf.length * 2));
        next.set(this.buf, 0);
        this.buf = next;
      }
      this.buf[this.n++] = v;
    }
  }
}
