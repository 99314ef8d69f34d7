import fc from 'fast-check';
import { describe, it } from 'vitest';
import { concat, toHex } from '../src/bytes';
import { E_FRAME_INCOMPLETE, ERRORS, type Fail } from '../src/errors';
import { cobsDecode, cobsEncode } from '../src/frame/cobs';
import { Deframer, MAX_FRAME_PAYLOAD } from '../src/frame/deframer';
import { decodeFrame, encodeFrame } from '../src/frame/frame';
import { edgyBytes, FUZZ_RUNS, mutate, mutation } from './fuzz-util';

function frameCode(f: Fail): boolean {
  return f.code >= 100 && f.code < 200 && ERRORS[f.code] !== undefined;
}

/** Splits a stream at the given cut points (taken modulo its length). */
function cuts(b: Uint8Array, at: number[]): Uint8Array[] {
  const pts = at.map((x) => (b.length ? x % b.length : 0)).sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let s = 0;
  for (const p of pts) {
    out.push(b.subarray(s, p));
    s = p;
  }
  out.push(b.subarray(s));
  return out;
}

const payload = fc.uint8Array({ minLength: 1, maxLength: MAX_FRAME_PAYLOAD });
// Mostly short payloads (the common case and cheap to generate); large ones still reach the limits.
const smallPayload = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 40 }) },
  { weight: 1, arbitrary: payload },
);

describe('frame decoders under fuzz', () => {
  it('Deframer: random and mutated streams, any chunking: no throw, bounded, agrees with decodeFrame', () => {
    const input = fc.oneof(
      edgyBytes(120),
      fc.uint8Array({ maxLength: 600 }),
      fc
        .tuple(fc.array(smallPayload, { maxLength: 3 }), fc.array(mutation, { maxLength: 4 }))
        .map(([ps, ms]) => {
          return mutate(concat(ps.map(encodeFrame)), ms);
        }),
    );
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 4 }), (stream, at) => {
        const got: string[] = [];
        let faultsOk = true;
        const d = new Deframer(
          (p) => got.push(toHex(p)),
          (f) => {
            faultsOk = faultsOk && frameCode(f);
          },
        );
        for (const c of cuts(stream, at)) {
          d.push(c);
          if (d.pending() > MAX_FRAME_PAYLOAD + 2) return false;
        }
        if (!faultsOk) return false;
        // The whole-frame decoder accepts exactly the delimited segments the stream decoder delivers.
        const want: string[] = [];
        let s = 0;
        for (let i = 0; i < stream.length; i++) {
          if (stream[i] !== 0) continue;
          if (i > s) {
            const r = decodeFrame(stream.subarray(s, i + 1));
            if (r.ok) want.push(toHex(r.value));
            else if (!frameCode(r)) return false;
          }
          s = i + 1;
        }
        return got.join() === want.join();
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('round-trips payload sequences and treats any truncation as incomplete, never as a fault', () => {
    fc.assert(
      fc.property(fc.array(smallPayload, { minLength: 1, maxLength: 3 }), fc.nat(), (ps, cut) => {
        const frames = ps.map(encodeFrame);
        const stream = concat(frames);
        const got: string[] = [];
        let faults = 0;
        const d = new Deframer(
          (p) => got.push(toHex(p)),
          () => faults++,
        );
        const c = cut % stream.length; // strictly before the final delimiter
        d.push(stream.subarray(0, c));
        if (faults !== 0 || got.length >= ps.length) return false;
        d.push(stream.subarray(c));
        if (got.join() !== ps.map(toHex).join()) return false;
        const last = frames[frames.length - 1] as Uint8Array;
        const t = decodeFrame(last.subarray(0, cut % last.length));
        return !t.ok && t.code === E_FRAME_INCOMPLETE;
      }),
      { numRuns: Math.max(1, Math.floor(FUZZ_RUNS / 5)) },
    );
  });

  it('cobsDecode: random and mutated encodings never throw; accepted ones re-encode to a decodable equal', () => {
    const input = fc.oneof(
      edgyBytes(120),
      fc.uint8Array({ maxLength: 600 }),
      fc
        .tuple(fc.uint8Array({ maxLength: 300 }), fc.array(mutation, { maxLength: 3 }))
        .map(([d, ms]) => mutate(cobsEncode(d), ms)),
    );
    fc.assert(
      fc.property(input, (enc) => {
        const r = cobsDecode(enc);
        if (!r.ok) return frameCode(r);
        if (r.value.length >= enc.length) return false;
        const back = cobsDecode(cobsEncode(r.value));
        return back.ok && toHex(back.value) === toHex(r.value);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
