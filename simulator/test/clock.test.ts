/**
 * The virtual clock and the seeded PRNG every simulated device shares: ordering, re-entrancy, skew and
 * reproducibility.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/clock';
import { SeededRandom } from '../src/random';

describe('VirtualClock', () => {
  it('fires timers in due order, ties in the order they were set, each at its own time', () => {
    const c = new VirtualClock();
    const log: string[] = [];
    c.setTimer(20, () => log.push(`b@${c.now()}`));
    c.setTimer(10, () => log.push(`a@${c.now()}`));
    c.setTimer(20, () => log.push(`c@${c.now()}`));
    c.advance(19);
    expect(log).toEqual(['a@10']);
    c.advance(1);
    expect(log).toEqual(['a@10', 'b@20', 'c@20']);
    expect(c.now()).toBe(20);
  });

  it('runs timers set by callbacks within the same advance, and honours clearTimer', () => {
    const c = new VirtualClock();
    const log: number[] = [];
    const dead = c.setTimer(5, () => log.push(-1));
    c.setTimer(1, () => {
      c.clearTimer(dead);
      c.setTimer(0, () => log.push(c.now()));
      c.setTimer(3, () => log.push(c.now()));
    });
    c.advance(10);
    expect(log).toEqual([1, 4]);
    expect(c.pending()).toBe(0);
  });

  it('keeps going when a callback throws and records the error', () => {
    const c = new VirtualClock();
    let ran = false;
    c.setTimer(1, () => {
      throw new Error('boom');
    });
    c.setTimer(2, () => {
      ran = true;
    });
    c.advance(5);
    expect(ran).toBe(true);
    expect(String(c.errors[0])).toMatch(/boom/);
  });

  it('runUntilTrue jumps from timer to timer and stops at the limit', () => {
    const c = new VirtualClock();
    let n = 0;
    const tick = (): void => {
      n++;
      c.setTimer(1000, tick);
    };
    c.setTimer(1000, tick);
    expect(c.runUntilTrue(() => n === 5, 60_000)).toBe(true);
    expect(c.now()).toBe(5000);
    expect(c.runUntilTrue(() => n === 1000, 10_000)).toBe(false);
    expect(c.now()).toBe(15_000);
  });

  it('moves the believed epoch without touching monotonic time (skew)', () => {
    const c = new VirtualClock({ epochMs: Date.UTC(2026, 10, 23) });
    c.advance(1500);
    expect(c.epoch()).toBe(Date.UTC(2026, 10, 23) / 1000 + 1.5);
    c.setEpoch(1000);
    c.advance(500);
    expect(c.epoch()).toBe(1000.5);
    expect(c.now()).toBe(2000);
    expect(() => c.advance(-1)).toThrow(RangeError);
  });
});

describe('SeededRandom', () => {
  it('is reproducible per seed, differs across seeds and forks, and fills every byte', () => {
    const a = new SeededRandom('venue-1');
    const b = new SeededRandom('venue-1');
    const seqA = Array.from({ length: 8 }, () => a.u32());
    expect(Array.from({ length: 8 }, () => b.u32())).toEqual(seqA);
    expect(new SeededRandom('venue-2').u32()).not.toBe(seqA[0]);
    expect(a.fork('x').u32()).not.toBe(a.fork('y').u32());
    const buf = new Uint8Array(4099);
    new SeededRandom(3).fill(buf);
    const counts = new Array(256).fill(0);
    for (const v of buf) counts[v]++;
    expect(Math.max(...counts)).toBeLessThan(40);
    expect(buf.subarray(4090).some((v) => v !== 0)).toBe(true);
  });

  it('int(n) stays in range and next() in [0, 1)', () => {
    const r = new SeededRandom(9);
    for (let i = 0; i < 10_000; i++) {
      const v = r.int(7);
      expect(v >= 0 && v < 7 && Number.isInteger(v)).toBe(true);
      const f = r.next();
      expect(f >= 0 && f < 1).toBe(true);
    }
  });
});
