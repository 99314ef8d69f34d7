/**
 * Every badge-layer decoder on arbitrary and mutated bytes: a typed Fail or a well-formed value, never a
 * throw. FUZZ_RUNS overrides the run count (>= 100 000 per decoder in CI).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { decodeAdvertisement, encodeAdvertisement } from '../src/badge/advert';
import { verifySunMessage } from '../src/badge/sun';
import { decodeTap, HDR_TAP_C } from '../src/badge/tap';
import { fastAes } from '../src/crypto/fast';
import { E_BADGE_HEADER, E_BADGE_LENGTH, E_SUN_FORMAT, E_SUN_MAC, ERRORS } from '../src/errors';
import { MemoryCounterStore } from '../src/resolver/counters';
import { Resolver } from '../src/resolver/resolver';
import { makeBadges, register, tapS } from './resolver-fixture';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100000);

/** Arbitrary bytes, or a valid sample with a few bytes overwritten, cut or extended. */
function mutated(valid: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const mut = fc
    .tuple(
      fc.constantFrom(...valid),
      fc.array(fc.tuple(fc.nat(40), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
      fc.integer({ min: -3, max: 3 }),
    )
    .map(([v, edits, dl]) => {
      const out = new Uint8Array(Math.max(0, v.length + dl));
      out.set(v.subarray(0, Math.min(v.length, out.length)));
      for (const [i, b] of edits) if (out.length) out[i % out.length] = b;
      return out;
    });
  return fc.oneof(fc.uint8Array({ maxLength: 40 }), mut);
}

describe('badge decoders never throw', () => {
  it('decodeAdvertisement', () => {
    const valid = [
      encodeAdvertisement(0xffff, new Uint8Array(16).fill(5)),
      encodeAdvertisement(0x0059, new Uint8Array(16)),
    ];
    fc.assert(
      fc.property(mutated(valid), (b) => {
        const r = decodeAdvertisement(b);
        return r.ok ? r.value.eph.length === 16 : r.code === E_BADGE_LENGTH || r.code === E_BADGE_HEADER;
      }),
      { numRuns: RUNS },
    );
  });

  it('decodeTap', () => {
    const valid = [new Uint8Array(33).fill(HDR_TAP_C)];
    fc.assert(
      fc.property(mutated(valid), (b) => {
        const r = decodeTap(b);
        return r.ok
          ? r.value.block.length + r.value.eph.length === 32
          : r.code === E_BADGE_LENGTH || r.code === E_BADGE_HEADER;
      }),
      { numRuns: RUNS },
    );
  });

  it('Resolver.verifyTap and resolveSighting', () => {
    const T = 1_800_000_000;
    const r = new Resolver({ nowS: T, store: new MemoryCounterStore(), resyncPerSecond: 0 });
    const badges = makeBadges(20, T, 3);
    register(r, badges);
    const valid = badges.slice(0, 5).map((b) => tapS(b, T));
    fc.assert(
      fc.property(mutated(valid), (b) => {
        const t = r.verifyTap(b, T, { consume: () => 0 });
        const s = r.resolveSighting(b.subarray(1, 17), T);
        return (t.ok || ERRORS[t.code] !== undefined) && (s.ok || ERRORS[s.code] !== undefined);
      }),
      { numRuns: RUNS },
    );
  });

  it('verifySunMessage on arbitrary fields', () => {
    const key = new Uint8Array(16).fill(1);
    const field = (n: number) =>
      fc.oneof(fc.uint8Array({ minLength: n, maxLength: n }), fc.uint8Array({ maxLength: 40 }));
    fc.assert(
      fc.property(
        field(16),
        field(8),
        fc.uint8Array({ maxLength: 40 }),
        fc.option(field(32)),
        (picc, mac, macInput, enc) => {
          const r = verifySunMessage(fastAes, key, () => key, { picc, mac, macInput, encFile: enc });
          return !r.ok && (r.code === E_SUN_FORMAT || r.code === E_SUN_MAC);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
