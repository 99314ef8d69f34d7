import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo';

describe('badgewire demo', () => {
  it('resolves every sighting, refuses the replayed tap and opens every sealed record', () => {
    const lines: string[] = [];
    const r = runDemo({ badges: 50, slots: 3, print: (l) => lines.push(l) });
    expect(r).toEqual({ sightings: 9, resolved: 9, taps: 2, records: 3 });
    expect(lines.some((l) => /door tap .*: accepted badge-ref-0 ctr 1/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('same tap replayed: refused E_BADGE_REPLAY'))).toBe(true);
    expect(lines.filter((l) => /-> opened: type 16/.test(l))).toHaveLength(3);
  });
});
