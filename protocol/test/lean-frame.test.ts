/**
 * The firmware's lean framing (frame/lean-frame.ts, frame/lean-deframer.ts) held to the shared codec: the
 * same CRC as crc.ts on the catalogue and OSDP values, byte-identical frames to frame.ts encodeFrame (whose COBS
 * is pinned to the Wikipedia examples) for every payload length 1..512 and the block boundaries, the checked-in
 * link-session frames, and a lean deframer that gives back what the lean sender framed. The step-for-step
 * comparison with Deframer under fuzz is in lean-reader.test.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ascii, fromHex, toHex } from '../src/bytes';
import { crc16 } from '../src/frame/crc';
import { encodeFrame as sharedEncodeFrame } from '../src/frame/frame';
import { leanDeframer } from '../src/frame/lean-deframer';
import { encodeFrame, leanCrc } from '../src/frame/lean-frame';
import { FUZZ_RUNS } from './fuzz-util';
import { sharedVector } from './vectors';

// An encoder, not a decoder of outside input: a tenth of the decoder fuzz budget keeps this test fast.
const RUNS = Math.ceil(FUZZ_RUNS / 10);

const here = dirname(fileURLToPath(import.meta.url));
const session = JSON.parse(readFileSync(join(here, '..', 'vectors', 'link-session.json'), 'utf8'));

/** Payloads whose COBS blocks end exactly at, before and after 254 bytes, with and without zeros. */
function boundaryPayloads(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const n of [1, 2, 3, 252, 253, 254, 255, 256, 506, 507, 508, 509, 510, 511, 512])
    for (const fill of [0, 1, 0xff]) {
      out.push(new Uint8Array(n).fill(fill));
      const z = new Uint8Array(n).fill(fill || 7);
      z[n >> 1] = 0;
      out.push(z);
    }
  return out;
}

describe('leanCrc = crc16', () => {
  it('has the catalogue check value 0xE5CC for "123456789" and the OSDP Annex E values', () => {
    const b = ascii('123456789');
    expect(leanCrc(b, b.length)).toBe(0xe5cc);
    for (const t of sharedVector('osdp-annex-e.json').crc_examples) {
      const m = fromHex(t.message);
      const c = leanCrc(m, m.length);
      expect(toHex(new Uint8Array([c & 255, c >> 8]))).toBe(t.crc_le);
    }
  });

  it('covers exactly the first n bytes, for random data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), (b, k) => {
        const n = b.length ? k % (b.length + 1) : 0;
        expect(leanCrc(b, n)).toBe(crc16(b.subarray(0, n)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('lean encodeFrame = frame.ts encodeFrame', () => {
  it('gives the same bytes at every COBS block boundary and every length 1..512', () => {
    for (const p of boundaryPayloads()) expect(toHex(encodeFrame(p))).toBe(toHex(sharedEncodeFrame(p)));
    for (let n = 1; n <= 512; n++) {
      const p = new Uint8Array(n);
      for (let i = 0; i < n; i++) p[i] = (i * 37 + n) % 5 === 0 ? 0 : 1 + ((i * 13) % 255);
      expect(toHex(encodeFrame(p))).toBe(toHex(sharedEncodeFrame(p)));
    }
  });

  it('frames every packet of the link-session vector as checked in', () => {
    for (const p of session.packets as { bytes: string; framed: string }[])
      expect(toHex(encodeFrame(fromHex(p.bytes)))).toBe(p.framed);
  });

  it(`${RUNS} random and zero/0xFF-biased payloads: the same frame, which the lean deframer gives back`, () => {
    const payload = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 512 }),
      fc.array(fc.constantFrom(0, 1, 0xff), { minLength: 1, maxLength: 512 }).map((a) => new Uint8Array(a)),
    );
    fc.assert(
      fc.property(payload, (p) => {
        const f = encodeFrame(p);
        expect(toHex(f)).toBe(toHex(sharedEncodeFrame(p)));
        const got: (string | null)[] = [];
        leanDeframer((x) => got.push(x ? toHex(x) : null))(f);
        expect(got).toEqual([toHex(p)]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('lean deframer', () => {
  it('reports a bad frame once, skips idle delimiters and holds no buffer between frames', () => {
    const got: (string | null)[] = [];
    const d = leanDeframer((x) => got.push(x ? toHex(x) : null));
    const good = encodeFrame(fromHex('0102'));
    const bad = new Uint8Array(good);
    bad[1] = (bad[1] as number) ^ 2;
    // Too long: 515 decoded bytes, reported when the 515th arrives, not again at its delimiter.
    const long = new Uint8Array(520).fill(1);
    long[519] = 0;
    d(new Uint8Array([0, 0]));
    d(bad);
    d(long);
    d(good);
    d(fromHex('0100')); // 1 decoded byte: too short for a CRC
    expect(got).toEqual([null, null, '0102', null]);
  });
});
