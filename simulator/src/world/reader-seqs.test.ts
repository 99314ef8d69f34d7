import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReaderSeqs } from './reader-seqs';

describe('ReaderSeqs', () => {
  it('answers like a Set of "reader:seq" strings for any mix of adds and lookups', () => {
    const op = fc.tuple(fc.boolean(), fc.constantFrom('r1', 'r2', 'r3'), fc.nat(70_000));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const s = new ReaderSeqs();
        const ref = new Set<string>();
        for (const [add, id, seq] of ops) {
          if (add) {
            s.add(id, seq);
            ref.add(`${id}:${seq}`);
          } else expect(s.has(id, seq)).toBe(ref.has(`${id}:${seq}`));
        }
        for (const [, id, seq] of ops) expect(s.has(id, seq)).toBe(ref.has(`${id}:${seq}`));
        expect(s.size).toBe(ref.size);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a seq that is not a non-negative integer, and never finds one', () => {
    const s = new ReaderSeqs();
    expect(() => s.add('r', -1)).toThrow(RangeError);
    expect(() => s.add('r', 1.5)).toThrow(RangeError);
    expect(s.has('r', -1)).toBe(false);
    expect(s.size).toBe(0);
  });
});
