/**
 * The reader firmware's stream deframer: the Deframer's rules (deframer.ts; differential-tested against it)
 * in one closure, so the bundle carries neither the class nor a whole-frame COBS decoder. It decodes COBS
 * byte by byte into a buffer that exists only while a frame is arriving (an idle reader holds none). Never
 * throws on input.
 */
import { leanCrc } from './lean-frame';

/** Feeds one chunk of any size. */
export type LeanDeframer = (chunk: Uint8Array) => void;

/**
 * `f` gets each payload, or nothing (undefined or 0: a falsy payload, which is shorter to write here) for each
 * bad frame; empty frames (00 00) are idle fill and are not reported.
 */
export function leanDeframer(f: (payload?: Uint8Array | 0) => void): LeanDeframer {
  /** Decoded bytes of the frame in progress (unset or 0 between frames). */
  let b: Uint8Array | 0 | undefined;
  /** Bytes decoded so far; 515 once the frame overflowed (reported then, swallowed up to the delimiter). */
  let n = 0;
  /** COBS data bytes left in the current block (0: the next byte is a code byte). */
  let l = 0;
  /** The current block was short, so a zero is due before the next block (unset or 0: no). */
  let z: boolean | number | undefined;
  return (chunk: Uint8Array): void => {
    for (const c of chunk) {
      if (c) {
        // Up to 512 payload bytes and the 2 CRC bytes.
        b = b || new Uint8Array(514);
        let v = c;
        if (l) l--;
        else {
          v = z ? 0 : -1;
          l = c - 1;
          z = c < 255;
        }
        if (v >= 0) {
          if (n < 514) b[n++] = v;
          else if (n < 515) {
            // n stays at 515, so the check at the delimiter costs no more than for a full frame.
            n++;
            f();
          }
        }
      } else if (b) {
        // The state is settled before the callback runs; an overflowed frame was reported already. The payload
        // is a view of this frame's own buffer (the next frame gets a new one), so it needs no copy.
        const m = n - 2;
        const x =
          l || m < 1 || leanCrc(b, m) !== ((b[m] as number) | ((b[m + 1] as number) << 8))
            ? 0
            : b.subarray(0, m);
        n = l = z = b = 0;
        if (m < 513) f(x);
      }
    }
  };
}
