/** Test helpers for the CBOR suites: the Appendix A value notation and a fast-check model of the subset. */
import fc from 'fast-check';
import { fromHex } from '../src/bytes';
import type { CborMap, CborValue } from '../src/cbor/mini';

/**
 * Appendix A value notation -> the subset's value model, or undefined when the row is outside the subset
 * (floats, bignums, tags, simple values, text-keyed maps, integers beyond +-2^32).
 */
// biome-ignore lint/suspicious/noExplicitAny: vector JSON is checked field by field
export function fromNotation(v: any): CborValue | undefined {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) && v >= -(2 ** 32) && v < 2 ** 32 ? v : undefined;
  if (Array.isArray(v)) {
    const out: CborValue[] = [];
    for (const e of v) {
      const c = fromNotation(e);
      if (c === undefined) return undefined;
      out.push(c);
    }
    return out;
  }
  if (typeof v.$bytes === 'string') return fromHex(v.$bytes);
  if (Array.isArray(v.$map)) {
    const m: CborMap = {};
    for (const [k, e] of v.$map) {
      const c = fromNotation(e);
      if (typeof k !== 'number' || k < 0 || c === undefined) return undefined;
      m[k] = c;
    }
    return m;
  }
  if (Object.keys(v).length === 0) return {}; // the empty map is in the subset whatever its key type
  return undefined; // $float, $bigint, $tag, $simple, $undefined, text-keyed maps
}

const boundaryInts = fc.constantFrom(
  0,
  23,
  24,
  255,
  256,
  65535,
  65536,
  2 ** 32 - 1,
  -1,
  -24,
  -25,
  -256,
  -257,
  -65536,
  -65537,
  -(2 ** 32),
);

export const cborInt = fc.oneof(
  boundaryInts,
  fc.integer({ min: -100, max: 100 }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.double({ min: -(2 ** 32), max: 2 ** 32 - 1, noNaN: true }).map(Math.floor),
);

export const cborLeaf: fc.Arbitrary<CborValue> = fc.oneof(
  cborInt,
  fc.uint8Array({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ maxLength: 30 }),
  fc.boolean(),
  fc.constant(null),
);

/** Values of the subset nested at most `depth` containers deep. */
export function cborValue(depth: number): fc.Arbitrary<CborValue> {
  const { value } = fc.letrec<{ value: CborValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth: depth, withCrossShrink: true },
      cborLeaf,
      fc.array(tie('value'), { maxLength: 5 }),
      fc
        .uniqueArray(fc.tuple(fc.oneof(fc.nat(30), fc.nat()), tie('value')), {
          maxLength: 5,
          selector: (e) => e[0],
        })
        .map((pairs) => {
          const m: CborMap = {};
          for (const [k, e] of pairs) m[k] = e;
          return m;
        }),
    ),
  }));
  return value;
}
