/**
 * Exactly-once in effect: over random schedules of loss, duplication, reordering, reconnects, host restarts
 * (losing what it had not stored) and reader reboots (keeping its unacknowledged events in flash), every
 * event the reader accepted reaches the host journal exactly once and in order, and the reader never sees an
 * acknowledgement for an event the host has not stored. Renewals happen with traffic in flight.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HostChannel } from '../src/link/host-channel';
import { RENEW_CTR } from '../src/link/record';
import { Pair, T_TAP } from './session-pair';

type Act =
  | { k: 'event' }
  | { k: 'net'; to: 'r' | 'h'; how: 'ok' | 'drop' | 'dup' | 'swap' }
  | { k: 'time'; ms: number }
  | { k: 'store' }
  | { k: 'reconnect' }
  | { k: 'hostRestart' }
  | { k: 'readerReboot' }
  | { k: 'renew' };

const act: fc.Arbitrary<Act> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Act>({ k: 'event' }) },
  {
    weight: 8,
    arbitrary: fc.record({
      k: fc.constant('net' as const),
      to: fc.constantFrom('r' as const, 'h' as const),
      how: fc.constantFrom(
        'ok' as const,
        'ok' as const,
        'ok' as const,
        'drop' as const,
        'dup' as const,
        'swap' as const,
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant('time' as const), ms: fc.integer({ min: 0, max: 4000 }) }),
  },
  { weight: 2, arbitrary: fc.constant<Act>({ k: 'store' }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Act>(
      { k: 'reconnect' },
      { k: 'hostRestart' },
      { k: 'readerReboot' },
      { k: 'renew' },
    ),
  },
);

function run(seed: number, acts: Act[]): void {
  const p = new Pair(seed, { rtoMs: 1500 }, { rtoMs: 1500 });
  const accepted: number[] = [];
  let stored = 0; // p.h.got[0, stored) is the journal
  let nextId = 1;
  const journalSeq = () => p.h.got.slice(0, stored).reduce((m, d) => (d.seq > m ? d.seq : m), 0);
  const store = () => {
    stored = p.h.got.length;
    const s = journalSeq();
    if (s > 0) p.take(p.h, p.h.s.durable(s, p.now));
  };
  for (const a of acts) {
    if (a.k === 'event') {
      const id = nextId++;
      if (p.event(id).seq > 0) accepted.push(id);
    } else if (a.k === 'net') {
      const side = a.to === 'r' ? p.r : p.h;
      const pk = side.inbox.shift();
      if (pk) {
        if (a.how === 'dup') side.inbox.unshift(pk);
        if (a.how === 'swap' && side.inbox.length > 0) side.inbox.splice(1, 0, pk);
        else if (a.how !== 'drop') p.take(side, side.s.receive(pk, p.now));
      }
    } else if (a.k === 'time') {
      p.now += a.ms;
      p.tick();
    } else if (a.k === 'store') store();
    else if (a.k === 'reconnect') {
      p.r.inbox.length = 0;
      p.h.inbox.length = 0;
      p.take(p.r, p.r.s.linkDown(p.now));
      p.take(p.h, p.h.s.linkDown(p.now));
    } else if (a.k === 'renew') {
      const s = (p.h.ch as HostChannel).s;
      if (s) s.tx = Math.max(s.tx, RENEW_CTR); // the host renews with traffic in flight
      p.tick();
    } else if (a.k === 'hostRestart') {
      p.h.got.length = stored;
      const got = p.h.got;
      p.h = p.host({ rtoMs: 1500, recvDurable: journalSeq() });
      p.h.got = got;
      p.r.inbox.length = 0;
    } else {
      const flash = p.r.s.q.map((e) => e.msg[2] as number);
      const nextSeq = p.r.s.acked + 1;
      p.r = p.reader({ rtoMs: 1500, nextSeq });
      p.h.inbox.length = 0;
      for (const id of flash) p.take(p.r, p.r.s.send({ 0: T_TAP, 2: id }, true, p.now));
    }
    expect(p.r.s.acked).toBeLessThanOrEqual(journalSeq());
  }
  for (let i = 0; i < 200 && (p.r.s.q.length > 0 || stored < p.h.got.length || i < 3); i++) {
    p.now += 700;
    p.tick();
    p.flush();
    store();
    p.flush();
  }
  const journal = p.h.got.slice(0, stored).filter((d) => d.type === T_TAP);
  expect(journal.map((d) => d.msg[2])).toEqual(accepted);
  expect(p.r.s.q.length).toBe(0);
}

describe('LinkSession exactly-once', () => {
  it('delivers every accepted event once, in order, after the durable write, under random faults', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1 << 20 }),
        fc.array(act, { minLength: 40, maxLength: 160 }),
        run,
      ),
      { numRuns: Number(process.env.SESSION_RUNS ?? 150) },
    );
  });
});
