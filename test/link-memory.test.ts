import { createMemoryLinkPair } from '@badgewire/simulator';
import { describe, expect, it } from 'vitest';
import { collect, describeLinkContract, pattern, writeAll } from './contracts/link.contract';

describeLinkContract(
  'MemoryLinkPair',
  async ({ highWaterMark }) => {
    const p = createMemoryLinkPair({ seed: 42, highWaterMark });
    return { a: p.a, b: p.b, cut: () => p.cut(), dispose: async () => {} };
  },
  { closeReachesPeer: true },
);

describe('MemoryLinkPair chunking', () => {
  async function cuts(seed: number): Promise<number[]> {
    const p = createMemoryLinkPair({ seed, maxChunk: 16 });
    const sizes: number[] = [];
    p.b.onData((c) => sizes.push(c.length));
    const got = collect(p.b);
    for (let i = 0; i < 20; i++) await writeAll(p.a, pattern(10, i));
    await got.waitFor(200, 5000);
    return sizes;
  }

  it('re-cuts writes: splits inside a write and merges across writes', async () => {
    const sizes = await cuts(7);
    expect(sizes.reduce((s, n) => s + n, 0)).toBe(200);
    expect(sizes.some((n) => n < 10)).toBe(true);
    expect(sizes.some((n) => n > 10)).toBe(true);
  });

  it('cuts the same way for the same seed and differently for another', async () => {
    expect(await cuts(7)).toEqual(await cuts(7));
    expect(await cuts(7)).not.toEqual(await cuts(8));
  });
});
