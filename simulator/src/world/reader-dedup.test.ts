/**
 * The protocol-level reader's de-dup window holds past its prune threshold: with more EphIDs in one window
 * than the table's first prune size, every repeat inside the window is still suppressed and every EphID is
 * reported again once the window has passed. (The prune itself is amortised; its cost is the venue bench's.)
 */
import { encodeAdvertisement } from '@badgewire/protocol';
import { describe, expect, it } from 'vitest';
import { createMemoryLinkPair } from '../links/index';
import { SeededRandom } from '../random';
import { SimReader } from './reader';

const DEDUP_MS = 256_000;

function adv(i: number): Uint8Array {
  const eph = new Uint8Array(16);
  new DataView(eph.buffer).setUint32(0, i * 2654435761);
  new DataView(eph.buffer).setUint32(4, i);
  return encodeAdvertisement(0xffff, eph);
}

describe('SimReader de-dup window', () => {
  it('suppresses repeats within the window and reports again after it, beyond the prune threshold', () => {
    const key = new Uint8Array(32);
    new SeededRandom(4).fill(key); // a provisioned, non-trivial K_r (uniform keys are refused)
    const reader = new SimReader(
      'booth-x',
      { id: new Uint8Array(8).fill(7), key, nextSeq: 1, outbox: [] },
      new SeededRandom(5),
      DEDUP_MS,
    );
    reader.powerOn(createMemoryLinkPair().a, 0);
    const n = 10_000;
    let heard = 0;
    for (let i = 0; i < n; i++) if (reader.hear(adv(i), -60, i)) heard++;
    expect(heard).toBe(n);
    // Later in the same window: all repeats suppressed, none forgotten by a prune.
    heard = 0;
    for (let i = 0; i < n; i++) if (reader.hear(adv(i), -60, 100_000 + i)) heard++;
    expect(heard).toBe(0);
    // A second batch of new EphIDs makes the table prune while the first batch is still in its window.
    for (let i = n; i < 2 * n; i++) reader.hear(adv(i), -60, 200_000);
    heard = 0;
    for (let i = 0; i < n; i++) if (reader.hear(adv(i), -60, 200_000 + i)) heard++;
    expect(heard).toBe(0);
    // Past the window: each is reported once more.
    heard = 0;
    for (let i = 0; i < n; i++) if (reader.hear(adv(i), -60, DEDUP_MS + 50_000 + i)) heard++;
    expect(heard).toBe(n);
    expect(reader.stats.sightings).toBe(3 * n);
  });
});
