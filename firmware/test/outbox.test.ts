import { describe, expect, it } from 'vitest';
import { Outbox } from '../src/app/outbox';
import { FakeFlash } from './fakes';

const ev = (i: number) => Uint8Array.from([0xa0, i & 255, i >> 8]);

describe('Outbox (durable offline queue)', () => {
  it('survives a reboot with its events, in order, under their seqs', () => {
    const f = new FakeFlash();
    const a = new Outbox(f, 8);
    for (let i = 1; i <= 3; i++) expect(a.store(ev(i))).toBe(i);
    const b = new Outbox(f, 8);
    expect([b.head, b.next]).toEqual([1, 4]);
    expect(Array.from(b.get(2)!)).toEqual(Array.from(ev(2)));
    b.ack(2);
    const c = new Outbox(f, 8);
    expect([c.head, c.next]).toEqual([3, 4]);
    expect(c.get(2)).toBeUndefined();
  });

  it('never reuses a seq after everything was acknowledged and the board rebooted', () => {
    const f = new FakeFlash();
    const a = new Outbox(f, 8);
    for (let i = 1; i <= 5; i++) a.store(ev(i));
    a.ack(5);
    const b = new Outbox(f, 8);
    expect(b.size()).toBe(0);
    expect(b.next).toBeGreaterThan(5);
    expect(b.store(ev(9))).toBe(b.next - 1);
  });

  it('drops the oldest when full, counts it, and keeps the newest across a reboot', () => {
    const f = new FakeFlash();
    const a = new Outbox(f, 4);
    for (let i = 1; i <= 6; i++) a.store(ev(i));
    expect([a.head, a.next, a.lost]).toEqual([3, 7, 2]);
    expect(a.get(1)).toBeUndefined();
    const b = new Outbox(f, 4);
    expect([b.head, b.next]).toEqual([3, 7]);
    expect(Array.from(b.get(6)!)).toEqual(Array.from(ev(6)));
  });

  it('costs one flash write per event (the meta record only every 32 events)', () => {
    const f = new FakeFlash();
    const a = new Outbox(f, 64);
    for (let i = 1; i <= 100; i++) {
      a.store(ev(i));
      a.ack(i);
    }
    expect(f.writes).toBeLessThanOrEqual(100 + Math.ceil(100 / 32) + 1);
  });

  it('moves past a host that stored more than this reader remembers', () => {
    const a = new Outbox(new FakeFlash(), 8);
    a.store(ev(1));
    a.ack(50);
    expect([a.head, a.next]).toEqual([51, 51]);
    expect(a.store(ev(2))).toBe(51);
  });
});
