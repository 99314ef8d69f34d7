import { describe, expect, it } from 'vitest';
import { outbox } from '../src/app/outbox';
import { FakeFlash } from './fakes';

const ev = (i: number) => Uint8Array.from([0xa0, i & 255, i >> 8]);

describe('Outbox (durable offline queue)', () => {
  it('survives a reboot with its events, in order, under their seqs', () => {
    const f = new FakeFlash();
    const a = outbox(f, 8);
    for (let i = 1; i <= 3; i++) expect(a.store(ev(i), false)).toBe(i);
    const b = outbox(f, 8);
    expect([b.head, b.next]).toEqual([1, 4]);
    expect(Array.from(b.get(2)!)).toEqual(Array.from(ev(2)));
    b.ack(2);
    const c = outbox(f, 8);
    expect([c.head, c.next]).toEqual([3, 4]);
    expect(c.get(2)).toBeUndefined();
  });

  it('never reuses a seq after everything was acknowledged and the board rebooted', () => {
    const f = new FakeFlash();
    const a = outbox(f, 8);
    for (let i = 1; i <= 5; i++) a.store(ev(i), false);
    a.ack(5);
    const b = outbox(f, 8);
    expect(b.size()).toBe(0);
    expect(b.next).toBeGreaterThan(5);
    expect(b.store(ev(9), false)).toBe(b.next - 1);
  });

  it('drops the oldest when full, counts it, and keeps the newest across a reboot', () => {
    const f = new FakeFlash();
    const a = outbox(f, 4);
    for (let i = 1; i <= 6; i++) a.store(ev(i), false);
    expect([a.head, a.next, a.lost]).toEqual([3, 7, 2]);
    expect(a.get(1)).toBeUndefined();
    const b = outbox(f, 4);
    expect([b.head, b.next]).toEqual([3, 7]);
    expect(Array.from(b.get(6)!)).toEqual(Array.from(ev(6)));
  });

  it('written through, costs one flash write per event (the meta record only every 128 events)', () => {
    const f = new FakeFlash();
    const a = outbox(f, 64);
    for (let i = 1; i <= 100; i++) {
      a.store(ev(i), false);
      a.ack(i);
    }
    expect(f.writes).toBe(100 + 1);
  });

  it('held sightings acknowledged in time never reach flash; unacknowledged ones are spilled in order', () => {
    const f = new FakeFlash();
    const a = outbox(f, 64);
    for (let i = 1; i <= 1000; i++) {
      a.store(ev(i), true);
      if (i % 4 === 0) a.ack(i);
    }
    // Only the seq reservations (every 128 events) were written.
    expect(f.writes).toBe(Math.ceil(1000 / 128));
    a.store(ev(1001), true);
    a.store(ev(1002), true);
    expect(Array.from(a.get(1002)!)).toEqual(Array.from(ev(1002)));
    a.spill();
    expect(f.writes).toBe(Math.ceil(1000 / 128) + 2);
    // After a reboot the spilled events are there, under their seqs.
    const b = outbox(f, 64);
    expect([b.head, b.next]).toEqual([1001, 1003]);
    expect(Array.from(b.get(1001)!)).toEqual(Array.from(ev(1001)));
  });

  it('a tap (not held) flushes the held sightings before it, so flash keeps the event order', () => {
    const f = new FakeFlash();
    const a = outbox(f, 64);
    a.store(ev(1), true);
    a.store(ev(2), true);
    a.store(ev(3), false);
    const b = outbox(f, 64);
    expect([b.head, b.next]).toEqual([1, 4]);
    for (let i = 1; i <= 3; i++) expect(Array.from(b.get(i)!)).toEqual(Array.from(ev(i)));
  });

  it('a power cut loses only held sightings, all below where numbering resumes; never a hole before stored events', () => {
    const f = new FakeFlash();
    const a = outbox(f, 64);
    a.store(ev(1), true);
    a.store(ev(2), true);
    // Power cut before any acknowledgement or heartbeat: nothing of the queue was in flash.
    const b = outbox(f, 64);
    expect(b.size()).toBe(0);
    expect(b.head).toBeGreaterThan(2);
    expect(b.store(ev(3), true)).toBeGreaterThan(2);
    // A tap goes to flash; sightings after it wait in flash too until it is acknowledged, so flash always
    // holds a gap-free run from the head.
    const cf = new FakeFlash();
    const c = outbox(cf, 64);
    c.store(ev(1), false);
    c.store(ev(2), true);
    const d = outbox(cf, 64);
    expect([d.head, d.next]).toEqual([1, 3]);
    c.ack(2);
    c.store(ev(3), true);
    expect(cf.readArrayBuffer('bwq3')).toBeUndefined();
  });

  it('a full RAM window goes to flash; a full queue drops the oldest held or stored event', () => {
    const f = new FakeFlash();
    const a = outbox(f, 64);
    for (let i = 1; i <= 32; i++) a.store(ev(i), true);
    expect(f.writes).toBe(1);
    a.store(ev(33), true);
    expect(f.writes).toBe(1 + 33);
    for (let i = 34; i <= 70; i++) a.store(ev(i), true);
    expect([a.head, a.next, a.lost]).toEqual([7, 71, 6]);
    expect(a.get(6)).toBeUndefined();
    expect(Array.from(a.get(70)!)).toEqual(Array.from(ev(70)));
    const b = outbox(f, 64);
    expect([b.head, b.next]).toEqual([7, 71]);
  });
});
