/**
 * Fuzzing the BW-SC decoders (packet parser, handshake parsers, record opening) through both roles' `receive`:
 * random bytes and mutations of genuine packets only ever give a typed 4xx failure or a genuine result.
 * FUZZ_RUNS overrides the default of 100 000 runs per role.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastAes } from '../src/crypto/fast';
import { ERRORS } from '../src/errors';
import { fastRecordCipher } from '../src/link/fast-cipher';
import type { HostChannel } from '../src/link/host-channel';
import type { ReaderChannel } from '../src/link/reader-channel';
import type { ChannelStep } from '../src/link/step';
import { handshake, makeHost, makeReader, seededRandom } from './link-fixtures';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100000);

function pair(): { h: HostChannel; r: ReaderChannel; seeds: Uint8Array[] } {
  const h = makeHost({ maxFails: 1e9, records: fastRecordCipher }, seededRandom(11), fastAes);
  const r = makeReader({ maxFails: 1e9 }, seededRandom(12), fastAes);
  const t = handshake(h, r);
  const seeds: Uint8Array[] = [t.hello, t.auth, t.confirm];
  for (let i = 0; i < 4; i++) {
    const a = h.seal(new Uint8Array(1 + i * 20).fill(i), 0);
    const b = r.seal(new Uint8Array(1 + i * 20).fill(i), 0);
    if (a.ok) seeds.push(a.value);
    if (b.ok) seeds.push(b.value);
  }
  return { h, r, seeds };
}

const mutation = fc.record({
  seed: fc.nat(),
  edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
  cut: fc.option(fc.nat()),
  tail: fc.uint8Array({ maxLength: 8 }),
});

interface Mutation {
  seed: number;
  edits: [number, number][];
  cut: number | null;
  tail: Uint8Array;
}

function mutate(seeds: Uint8Array[], m: Mutation): Uint8Array {
  const base = seeds[m.seed % seeds.length] as Uint8Array;
  let b = new Uint8Array(base.length + m.tail.length);
  b.set(base);
  b.set(m.tail, base.length);
  for (const [at, v] of m.edits) if (b.length > 0) b[at % b.length] = v;
  if (m.cut !== null) b = b.subarray(0, m.cut % (b.length + 1));
  return b;
}

function typed(s: ChannelStep): void {
  if (s.fail === null) return;
  expect(s.fail.code >= 400 && s.fail.code < 500).toBe(true);
  expect(ERRORS[s.fail.code]).toBeDefined();
  expect(typeof s.fail.at).toBe('number');
}

const input = (seeds: Uint8Array[]) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 600 }),
    mutation.map((m) => mutate(seeds, m)),
  );

describe('BW-SC decoders under fuzzing', () => {
  it(`reader receive: ${RUNS} random and mutated packets, typed results only`, () => {
    const { r, seeds } = pair();
    fc.assert(
      fc.property(input(seeds), (b) => {
        typed(r.receive(b, 1));
      }),
      { numRuns: RUNS },
    );
  });

  it(`host receive: ${RUNS} random and mutated packets, typed results only`, () => {
    const { h, seeds } = pair();
    fc.assert(
      fc.property(input(seeds), (b) => {
        if (!h.hello) h.start();
        typed(h.receive(b, 1));
      }),
      { numRuns: RUNS },
    );
  });
});
