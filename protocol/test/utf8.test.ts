/**
 * The hand-written UTF-8 (device codec) against the platform's strict TextEncoder / TextDecoder({fatal}):
 * random strings (lone surrogates included) and random or mutated byte sequences must agree exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes';
import { utf8Decode, utf8Encode, utf8Length } from '../src/cbor/utf8';
import { FUZZ_RUNS } from './fuzz-util';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const te = new TextEncoder();
const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

function reference(b: Uint8Array): string | null {
  try {
    return strict.decode(b);
  } catch {
    return null;
  }
}

function throwsTypeError(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch (e) {
    return e instanceof TypeError;
  }
}

/** Bytes biased towards UTF-8 structure: leads, continuations, the boundary values of each form. */
const utf8ish = fc.array(
  fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff),
    fc.integer({ min: 0x80, max: 0xbf }),
  ),
  { maxLength: 12 },
);

describe('UTF-8 by hand vs TextEncoder/TextDecoder (fatal)', () => {
  it('encodes every well-formed string like TextEncoder and refuses lone surrogates', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 16 }), (s) => {
        if (!wellFormed(s))
          return throwsTypeError(() => utf8Encode(s)) && throwsTypeError(() => utf8Length(s));
        const want = te.encode(s);
        return toHex(utf8Encode(s)) === toHex(want) && utf8Length(s) === want.length;
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('decodes exactly what a strict decoder accepts, to the same string', () => {
    fc.assert(
      fc.property(utf8ish, fc.integer({ min: 0, max: 3 }), (arr, pad) => {
        // Decode a window inside a larger buffer: the bounds, not the buffer's end, must stop the decoder.
        const b = new Uint8Array(pad + arr.length + pad).fill(0x80);
        b.set(arr, pad);
        return utf8Decode(b, pad, pad + arr.length) === reference(new Uint8Array(arr));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('boundary forms: overlongs, surrogates and the U+10FFFF ceiling are refused', () => {
    for (const hex of [
      'c0af',
      'c1bf',
      'e080af',
      'eda080',
      'edbfbf',
      'f08f8080',
      'f4908080',
      'f5808080',
      'e282',
    ])
      expect(utf8Decode(Uint8Array.from(Buffer.from(hex, 'hex')), 0, hex.length / 2)).toBeNull();
    for (const hex of ['c280', 'e0a080', 'ed9fbf', 'ee8080', 'f0908080', 'f48fbfbf'])
      expect(utf8Decode(Uint8Array.from(Buffer.from(hex, 'hex')), 0, hex.length / 2)).toBe(
        reference(Uint8Array.from(Buffer.from(hex, 'hex'))),
      );
  });
});
