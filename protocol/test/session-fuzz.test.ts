/**
 * Fuzzing the session's body handling (what arrives after the channel authenticated and decrypted a record):
 * random bytes, random CBOR values and mutated genuine messages never throw, never deliver a duplicate or out of
 * order, never skip seqs except on an ACK's base, and every fault carries a code from errors.ts. FUZZ_RUNS overrides the default of 100 000.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CborValue, encodeCbor } from '../src/cbor/mini';
import { ERRORS } from '../src/errors';
import { LinkSession } from '../src/link/session';
import { KNOWN, T_TAP } from './session-pair';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100000);

const small: fc.Arbitrary<CborValue> = fc.oneof(
  fc.integer({ min: -5, max: 40 }),
  fc.constantFrom(0, 1, 2, 23, 0xffffffff),
  fc.string({ maxLength: 4 }),
  fc.uint8Array({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
);
const map = fc.dictionary(fc.integer({ min: 0, max: 6 }).map(String), small, { maxKeys: 5 }).map((d) => {
  const m: { [k: number]: CborValue } = {};
  for (const k of Object.keys(d).sort((a, b) => Number(a) - Number(b))) m[Number(k)] = d[k] as CborValue;
  return m;
});

describe('LinkSession body handling under fuzzing', () => {
  it(`${RUNS} random and mutated bodies: typed faults only, deliveries strictly in order`, () => {
    // The channel below is a pass-through stand-in: this test is about the session layer alone.
    const s = new LinkSession(
      {
        isUp: () => true,
        receive: () => ({ send: [], body: null, up: false, alert: 0, fail: null }),
        seal: (b) => ({ ok: true, value: b }),
        reset: () => {},
        kick: () => new Uint8Array(8),
        renewDue: () => false,
      },
      { initiator: true, known: KNOWN },
    );
    let lastSeq = 0;
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      map.map((m) => encodeCbor(m)),
      fc
        .tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 255 }))
        .map(([seq, t]) => encodeCbor({ 0: t % 3 === 0 ? T_TAP : t, 1: seq, 2: new Uint8Array(4) })),
    );
    fc.assert(
      fc.property(body, (b) => {
        const before = s.delivered;
        s.onBody(b, 1);
        expect(s.delivered).toBeGreaterThanOrEqual(before);
        // a seq is consumed one at a time; only an ACK's base (the peer dropped what lies between) jumps
        if (s.delivered > before + 1) expect(s.lastUp).toBe(s.delivered);
        const o = s.finish(1);
        for (const f of o.faults) expect(ERRORS[f.code]).toBeDefined();
        for (const d of o.deliver) {
          if (d.seq === 0) continue;
          expect(d.seq).toBeGreaterThan(lastSeq); // never a duplicate, never out of order
          expect(d.seq).toBeLessThanOrEqual(s.delivered);
          lastSeq = d.seq;
        }
        if (lastSeq > 0 && s.durableTo < lastSeq) s.durable(lastSeq, 1);
      }),
      { numRuns: RUNS },
    );
    expect(s.delivered).toBeGreaterThan(0);
  });
});
