/**
 * The reader firmware's stream deframer: the Deframer's rules (deframer.ts; differential-tested against it)
 * in one function over a small state object. It collects one frame's encoded bytes and decodes them at the
 * delimiter with decodeFrame, which the firmware already carries; the buffer exists only while a frame is
 * arriving, so an idle reader holds none. Never throws on input.
 */
import { decodeFrame } from './frame';

export interface LeanDeframer {
  /** Encoded bytes of the frame in progress (null between frames). */
  e: Uint8Array | null;
  n: number;
  /** Called with each payload, or with null for each bad frame. */
  f: (payload: Uint8Array | null) => void;
}

export function leanDeframer(f: (payload: Uint8Array | null) => void): LeanDeframer {
  return { e: null, n: 0, f: f };
}

/** Feeds one chunk of any size; empty frames (00 00) are idle fill and are not reported. */
export function deframe(d: LeanDeframer, chunk: Uint8Array): void {
  for (let i = 0; i < chunk.length; i++) {
    const b = chunk[i] as number;
    if (b !== 0) {
      // The longest encoding of 512 payload + 2 CRC bytes is 517; one more marks the frame too long.
      if (!d.e) d.e = new Uint8Array(519);
      if (d.n < 518) d.e[d.n++] = b;
      continue;
    }
    const e = d.e;
    const n = d.n;
    d.e = null;
    d.n = 0;
    if (e) {
      e[n] = 0;
      const r = decodeFrame(e.subarray(0, n + 1));
      d.f(r.ok ? r.value : null);
    }
  }
}
