/**
 * The reader firmware's frame sender: `COBS(payload ‖ CRC-16/AUG-CCITT LE) ‖ 00` (SPEC.md, framing), the same
 * bytes as frame.ts encodeFrame (differential-tested in lean-frame.test.ts), in one COBS pass over the
 * payload and its CRC, without the body copy, the `extra` parameter and the sender-bug check of the shared
 * encoder. The reader frames only packets its responder built (never empty, at most 512 bytes); a frame
 * outside 1..512 bytes would be refused by the receiving Deframer (E_FRAME_SHORT, E_FRAME_TOO_LONG).
 */

/** CRC-16/AUG-CCITT of `b[0, n)`, as crc.ts computes it (bits above 15 never reach bit 15: masked once). */
export function leanCrc(b: Uint8Array, n: number): number {
  let c = 0x1d0f;
  for (let i = 0; i < n; i++) {
    c ^= (b[i] as number) << 8;
    for (let k = 8; k--; ) c = (c << 1) ^ (c & 0x8000 && 0x1021);
  }
  return c & 0xffff;
}

/** One frame, delimiter included. */
export function encodeFrame(p: Uint8Array): Uint8Array {
  const n = p.length;
  const crc = leanCrc(p, n);
  // The longest encoding of n + 2 bytes, and the delimiter (n >> 8 covers the code bytes up to n = 32 000).
  const out = new Uint8Array(n + 5 + (n >> 8));
  // `at`: the current block's code byte; `o`: the next byte to write. The code is the distance between them.
  let at = 0;
  let o = 1;
  for (let i = 0; i < n + 2; i++) {
    // The payload, then the CRC least significant byte first.
    const v = i < n ? (p[i] as number) : (crc >> (8 * (i - n))) & 255;
    if (v) out[o++] = v;
    // A zero ends a block; so do 254 data bytes, unless they end the input (canonical COBS, cobs.ts).
    if (!v || (o - at > 254 && i <= n)) {
      out[at] = o - at;
      at = o++;
    }
  }
  out[at] = o - at;
  // A view, not a copy: `out` is this frame's own buffer, a few bytes longer than the frame at most.
  return out.subarray(0, o + 1);
}
