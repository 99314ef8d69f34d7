/**
 * Consistent Overhead Byte Stuffing (Cheshire and Baker, 1999), with 0x00 as the frame delimiter. The
 * encoder is the canonical one: a run of 254 non-zero bytes that ends the input gets no trailing 0x01 block
 * (checked against the Wikipedia examples 1-11). The stream decoder lives in deframer.ts; this whole-buffer
 * decoder serves single frames, tests and tools.
 */
import { E_FRAME_COBS, fail, ok, type Result } from '../errors';

/** Exact COBS length of `data` (without the delimiter): the same walk as the encoder, without writes. */
export function cobsEncodedLength(data: Uint8Array): number {
  let len = 1;
  let code = 1;
  const n = data.length;
  for (let i = 0; i < n; i++) {
    len++;
    if (data[i] === 0) {
      code = 1;
    } else {
      code++;
      if (code === 0xff && i + 1 < n) {
        len++;
        code = 1;
      }
    }
  }
  return len;
}

/** The longest COBS encoding of `n` bytes (no delimiter): one code byte per 254 data bytes, plus one. */
export function cobsMaxLength(n: number): number {
  return n + 1 + Math.floor(n / 254);
}

/** COBS-encodes `data` into a new array with `extra` zero bytes after it (1 = the frame delimiter). */
export function cobsEncodeWith(data: Uint8Array, extra: number): Uint8Array {
  const n = data.length;
  // Sized for the worst case and trimmed once at the end: the firmware then carries no length walk.
  const out = new Uint8Array(n + 1 + Math.floor(n / 254) + extra);
  let ci = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < n; i++) {
    const b = data[i] as number;
    if (b === 0) {
      out[ci] = code;
      ci = o++;
      code = 1;
    } else {
      out[o++] = b;
      code++;
      if (code === 0xff && i + 1 < n) {
        out[ci] = code;
        ci = o++;
        code = 1;
      }
    }
  }
  out[ci] = code;
  return o + extra === out.length ? out : new Uint8Array(out.subarray(0, o + extra));
}

/** COBS encoding without the delimiter. */
export function cobsEncode(data: Uint8Array): Uint8Array {
  return cobsEncodeWith(data, 0);
}

/**
 * Decodes one COBS block sequence (no delimiter). E_FRAME_COBS when it holds a 0x00 or a block runs past the
 * end; `at` is the offending offset. The empty input is not a valid encoding (every encoding has a code byte).
 */
export function cobsDecode(enc: Uint8Array): Result<Uint8Array> {
  const n = enc.length;
  if (n === 0) return fail(E_FRAME_COBS, 0);
  const out = new Uint8Array(n);
  let o = 0;
  let i = 0;
  while (i < n) {
    const code = enc[i] as number;
    if (code === 0) return fail(E_FRAME_COBS, i);
    if (i + code > n) return fail(E_FRAME_COBS, n);
    for (let k = i + 1; k < i + code; k++) {
      const b = enc[k] as number;
      if (b === 0) return fail(E_FRAME_COBS, k);
      out[o++] = b;
    }
    i += code;
    // The implicit zero after a short block is dropped at the very end: it is the delimiter's.
    if (code < 0xff && i < n) out[o++] = 0;
  }
  return ok(new Uint8Array(out.subarray(0, o)));
}
