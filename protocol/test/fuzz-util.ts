/** Shared fast-check helpers for the decoder fuzz suites: run counts and byte-level mutation. */
import fc from 'fast-check';

/** Runs per decoder property: 100 000 in CI, FUZZ_RUNS overrides (npm run fuzz uses 1 000 000). */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 100000);

export type Mutation = { op: 0 | 1 | 2 | 3; at: number; v: number };

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<0 | 1 | 2 | 3>,
  at: fc.nat(),
  v: fc.integer({ min: 0, max: 255 }),
});

/** Applies flip / overwrite / insert / delete mutations at positions taken modulo the current length. */
export function mutate(b: Uint8Array, ms: Mutation[]): Uint8Array {
  let cur = Array.from(b);
  for (const m of ms) {
    const at = cur.length === 0 ? 0 : m.at % (cur.length + (m.op === 2 ? 1 : 0));
    if (m.op === 0 && cur.length) cur[at] = (cur[at] as number) ^ (1 << (m.v & 7));
    else if (m.op === 1 && cur.length) cur[at] = m.v;
    else if (m.op === 2) cur = [...cur.slice(0, at), m.v, ...cur.slice(at)];
    else if (m.op === 3 && cur.length) cur.splice(at, 1);
  }
  return new Uint8Array(cur);
}

/** Byte arrays biased towards the values that matter to COBS and CBOR heads. */
export function edgyBytes(maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc
    .array(
      fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 1, 0xff, 0xfe, 0x18, 0x1f, 0xa0, 0xbf)),
      {
        maxLength: maxLength,
      },
    )
    .map((a) => new Uint8Array(a));
}
