/**
 * The reader firmware's stream deframer: the Deframer's rules (deframer.ts; differential-tested against it)
 * in one function over a small state object, so the bundle carries neither the class nor a whole-frame COBS
 * decoder. It decodes COBS byte by byte into a buffer that exists only while a frame is arriving (an idle
 * reader holds none). Never throws on input.
 */
import { CRC16_INIT, crc16Update } from './crc';

export interface LeanDeframer {
  /** Decoded bytes of the frame in progress (null between frames). */
  b: Uint8Array | null;
  n: number;
  /** COBS data bytes left in the current block (0: the next byte is a code byte). */
  l: number;
  /** The current block was short, so a zero is due before the next block. */
  z: boolean;
  /** This frame was refused already: swallow up to the next delimiter. */
  x: boolean;
  /** Called with each payload, or with null for each bad frame. */
  f: (payload: Uint8Array | null) => void;
}

export function leanDeframer(f: (payload: Uint8Array | null) => void): LeanDeframer {
  return { b: null, n: 0, l: 0, z: false, x: false, f: f };
}

/** Feeds one chunk of any size; empty frames (00 00) are idle fill and are not reported. */
export function deframe(d: LeanDeframer, chunk: Uint8Array): void {
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk[i] as number;
    if (c === 0) {
      const b = d.b;
      const n = d.n;
      const x = d.x;
      const bad = d.l !== 0 || n < 3;
      d.b = null;
      d.n = d.l = 0;
      d.z = d.x = false;
      // A frame is reported once: a refused one (too long) was reported when it overflowed.
      if (b && !x) {
        if (
          bad ||
          crc16Update(CRC16_INIT, b, 0, n - 2) !== ((b[n - 2] as number) | ((b[n - 1] as number) << 8))
        )
          d.f(null);
        else d.f(new Uint8Array(b.subarray(0, n - 2)));
      }
      continue;
    }
    if (d.x) continue;
    // Up to 512 payload bytes and the 2 CRC bytes.
    if (!d.b) d.b = new Uint8Array(514);
    let v = -1;
    if (d.l === 0) {
      if (d.z) v = 0;
      d.l = c - 1;
      d.z = c !== 0xff;
    } else {
      v = c;
      d.l--;
    }
    if (v < 0) continue;
    if (d.n >= 514) {
      d.x = true;
      d.f(null);
    } else d.b[d.n++] = v;
  }
}
