/**
 * LinkSession results: quiet calls share empty lists (no allocation per call), so a result a caller keeps must
 * never change when later calls send, deliver or report something.
 */
import { describe, expect, it } from 'vitest';
import type { SessionOut } from '../src/link/session';
import { Pair, T_TAP } from './session-pair';

const shape = (o: SessionOut) => [o.send.length, o.deliver.length, o.faults.length, o.up, o.down, o.seq];

describe('LinkSession results', () => {
  it('every kept result stays as returned while the session goes on sending, delivering and failing', () => {
    const p = new Pair(7);
    p.connect();
    const kept = [...p.r.outs, ...p.h.outs];
    const before = kept.map(shape);
    const quiet = p.h.s.tick(p.now);
    expect(shape(quiet)).toEqual([0, 0, 0, false, false, 0]);
    for (let i = 0; i < 20; i++) p.event(i);
    p.flush();
    p.store();
    p.flush();
    // A fault after the quiet result: garbage where a record belongs.
    const bad = p.h.s.receive(Uint8Array.of(1, 2, 3), p.now);
    expect(bad.faults.length).toBeGreaterThan(0);
    expect(p.h.got.filter((d) => d.type === T_TAP)).toHaveLength(20);
    expect(kept.map(shape)).toEqual(before);
    expect(shape(quiet)).toEqual([0, 0, 0, false, false, 0]);
    // Results from the busy part carry what they reported, each in a list of its own.
    const busy = [...p.r.outs, ...p.h.outs].filter((o) => o.send.length > 0);
    expect(busy.length).toBeGreaterThan(20);
    expect(new Set(busy.map((o) => o.send)).size).toBe(busy.length);
  });
});
