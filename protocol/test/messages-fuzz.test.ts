import fc from 'fast-check';
import { describe, it } from 'vitest';
import { toHex } from '../src/bytes';
import { decodeCborHost } from '../src/cbor/cborx';
import { type CborMap, type CborValue, encodeCbor } from '../src/cbor/mini';
import { E_CBOR_TRUNCATED, ERRORS } from '../src/errors';
import {
  decodeAuthInfo,
  decodeMessage,
  encodeAuthInfo,
  encodeMessage,
  messageFromCbor,
} from '../src/link/messages';
import { cborLeaf } from './cbor-model';
import { edgyBytes, FUZZ_RUNS, mutate, mutation } from './fuzz-util';
import { anyMessage } from './messages-model';

/** Maps that look like messages: a plausible type, then random small keys with random leaves. */
const messageLike: fc.Arbitrary<CborMap> = fc
  .tuple(
    fc.oneof(fc.integer({ min: 14, max: 27 }), cborLeaf),
    fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 9 }), cborLeaf), {
      maxLength: 8,
      selector: (e) => e[0],
    }),
  )
  .map(([t, pairs]) => {
    const m: CborMap = { 0: t as CborValue };
    for (const [k, v] of pairs) m[k] = v;
    return m;
  });

describe('message decoder under fuzz', () => {
  it('random message-like maps and mutated valid messages: no throw, typed faults, host path agrees', () => {
    const input = fc.oneof(
      messageLike.map((m) => encodeCbor(m)),
      fc
        .tuple(anyMessage, fc.array(mutation, { minLength: 1, maxLength: 3 }))
        .map(([m, ms]) => mutate(encodeMessage(m), ms)),
    );
    fc.assert(
      fc.property(input, (b) => {
        const r = decodeMessage(b);
        if (!r.ok && (ERRORS[r.code] === undefined || r.code < 200 || r.code >= 400)) return false;
        const h = decodeCborHost(b);
        const hr = h.ok ? messageFromCbor(h.value) : h;
        if (hr.ok !== r.ok) return false;
        // An accepted message re-encodes to something that decodes to the same message.
        if (r.ok) {
          const again = decodeMessage(encodeMessage(r.value));
          return again.ok && toHex(encodeMessage(again.value)) === toHex(encodeMessage(r.value));
        }
        return true;
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('every valid message truncated at any point is E_CBOR_TRUNCATED', () => {
    fc.assert(
      fc.property(anyMessage, fc.nat(), (m, cut) => {
        const b = encodeMessage(m);
        const r = decodeMessage(b.subarray(0, cut % b.length));
        return !r.ok && r.code === E_CBOR_TRUNCATED;
      }),
      { numRuns: Math.max(1, Math.floor(FUZZ_RUNS / 5)) },
    );
  });

  it('AUTH info decoder: random and mutated bytes never throw; accepted info re-encodes to a decodable equal', () => {
    const input = fc.oneof(
      edgyBytes(40),
      messageLike.map((m) => encodeCbor(m)),
      fc
        .tuple(
          fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
          fc.array(mutation, { maxLength: 3 }),
        )
        .map(([fw, ms]) => mutate(encodeAuthInfo({ fw: fw }), ms)),
    );
    fc.assert(
      fc.property(input, (b) => {
        const r = decodeAuthInfo(b);
        if (!r.ok) return ERRORS[r.code] !== undefined && r.code >= 200 && r.code < 400;
        const again = decodeAuthInfo(encodeAuthInfo(r.value));
        return again.ok && again.value.fw === r.value.fw;
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
