import { describe, expect, it } from 'vitest';
import {
  E_MSG_UNKNOWN_TYPE,
  E_SESS_ACK_RANGE,
  E_SESS_GAP,
  E_SESS_TIMEOUT,
  E_SESS_WINDOW_FULL,
} from '../src/errors';
import { P_ALERT, P_HELLO } from '../src/link/packet';
import { LinkSession, T_ERROR, T_HEARTBEAT } from '../src/link/session';
import { KNOWN, Pair, T_TAP } from './session-pair';

const ids = (p: Pair) => p.h.got.filter((d) => d.type === T_TAP).map((d) => d.msg[2]);

describe('LinkSession', () => {
  it('handshakes from kicks: the reader asks with an ALERT, the host retries HELLO with backoff', () => {
    const p = new Pair(1);
    const r0 = p.r.s.tick(0);
    expect(r0.send[0]?.[1]).toBe(P_ALERT);
    const kicks: number[] = [];
    for (let t = 0; t < 20000; t += 100) {
      const o = p.h.s.tick(t);
      if (o.send.length > 0) {
        expect(o.send[0]?.[1]).toBe(P_HELLO);
        kicks.push(t);
      }
    }
    const gaps = kicks.slice(1).map((t, i) => t - (kicks[i] as number));
    expect(gaps.slice(0, 4)).toEqual([500, 1000, 2000, 4000]);
    p.now = 20000;
    p.connect();
    expect(p.r.outs.some((o) => o.up) && p.h.outs.some((o) => o.up)).toBe(true);
  });

  it('delivers reliable events once, in order, and acknowledges only after the host stores them', () => {
    const p = new Pair(2);
    p.connect();
    for (let i = 1; i <= 5; i++) expect(p.event(100 + i).seq).toBe(i);
    p.flush();
    expect(ids(p)).toEqual([101, 102, 103, 104, 105]);
    expect(p.r.s.q.length).toBe(5); // delivered but not yet durable: not acknowledged
    p.store();
    p.flush();
    expect(p.r.s.q.length).toBe(0);
    expect(p.r.outs.at(-1)?.acked).toBe(5);
  });

  it('re-acks duplicates without re-delivering them, across a reconnect', () => {
    const p = new Pair(3);
    p.connect();
    p.event(1);
    p.event(2);
    p.flush();
    p.h.inbox.length = 0;
    p.store(); // the ACK is lost with the link
    p.r.inbox.length = 0;
    p.take(p.r, p.r.s.linkDown(p.now));
    p.take(p.h, p.h.s.linkDown(p.now));
    p.connect();
    p.flush();
    expect(ids(p)).toEqual([1, 2]);
    expect(p.r.s.q.length).toBe(0);
  });

  it('retransmits a lost record after the RTO (go-back-N) without a reconnect', () => {
    const p = new Pair(4, { rtoMs: 1000 });
    p.connect();
    p.event(1);
    p.h.inbox.length = 0; // lost
    p.event(2);
    p.flush();
    expect(ids(p)).toEqual([]);
    expect(p.h.outs.some((o) => o.faults.some((f) => f.code === E_SESS_GAP))).toBe(true);
    p.now += 1000;
    p.tick();
    p.flush();
    expect(ids(p)).toEqual([1, 2]);
  });

  it('answers unknown message types with ERROR, acknowledges them, and keeps the session', () => {
    const p = new Pair(5);
    p.connect();
    p.take(p.r, p.r.s.send({ 0: 99, 2: 1 }, true, p.now));
    p.event(7);
    p.flush();
    const hostFault = p.h.outs.flatMap((o) => o.faults).map((f) => f.code);
    expect(hostFault).toContain(E_MSG_UNKNOWN_TYPE);
    const err = p.r.got.find((d) => d.type === T_ERROR);
    expect(err?.msg[2]).toBe(E_MSG_UNKNOWN_TYPE);
    expect(err?.msg[3]).toBe(99);
    expect(ids(p)).toEqual([7]);
    p.store();
    p.flush();
    expect(p.r.s.q.length).toBe(0);
    expect(p.r.s.ch.isUp() && p.h.s.ch.isUp()).toBe(true);
  });

  it('answers a known type that fails its schema check with ERROR naming the seq, and moves on', () => {
    const p = new Pair(11, {}, { check: (m) => (typeof m[2] === 'number' ? 0 : 305) });
    p.connect();
    p.take(p.r, p.r.s.send({ 0: T_TAP, 2: 'x' }, true, p.now));
    p.event(8);
    p.flush();
    const err = p.r.got.find((d) => d.type === T_ERROR);
    expect([err?.msg[2], err?.msg[3], err?.msg[4]]).toEqual([305, T_TAP, 1]);
    expect(ids(p)).toEqual([8]);
    p.store();
    p.flush();
    expect(p.r.s.q.length).toBe(0);
  });

  it('sends heartbeats when idle and declares the peer dead after silence', () => {
    const p = new Pair(6, { heartbeatMs: 1000, deadMs: 3000 }, { heartbeatMs: 1000, deadMs: 3000 });
    p.connect();
    const o = p.h.s.tick(p.now);
    expect(o.wakeAt).toBeLessThanOrEqual(p.now + 1000);
    p.now = o.wakeAt;
    const hb = p.h.s.tick(p.now);
    expect(hb.send.length).toBe(1);
    const r = p.r.s.receive(hb.send[0] as Uint8Array, p.now);
    expect(r.deliver.map((d) => [d.type, d.seq])).toEqual([[T_HEARTBEAT, 0]]); // health fields go up
    p.now += 3000; // the reader went silent
    const dead = p.h.s.tick(p.now);
    expect(dead.down).toBe(true);
    expect(dead.faults.map((f) => f.code)).toContain(E_SESS_TIMEOUT);
    expect(dead.send[0]?.[1]).toBe(P_HELLO);
  });

  it('bounds the queue and reports a full window', () => {
    const p = new Pair(7, { maxQueue: 3 });
    for (let i = 0; i < 3; i++) expect(p.event(i).seq).toBe(i + 1);
    const full = p.event(9);
    expect(full.seq).toBe(0);
    expect(full.faults.map((f) => f.code)).toContain(E_SESS_WINDOW_FULL);
  });

  it('resumes after a reader reboot from the persisted seq, and renumbers after a reflash', () => {
    const p = new Pair(8);
    p.connect();
    p.event(1);
    p.event(2);
    p.flush();
    p.store();
    p.flush();
    p.event(3);
    p.flush(); // delivered, not stored; then the reader reboots with event 3 in flash
    const old = p.r.s;
    p.r = p.reader({ nextSeq: old.acked + 1 });
    p.take(p.r, p.r.s.send({ 0: T_TAP, 2: 3 }, true, p.now));
    p.connect();
    p.flush();
    p.store();
    p.flush();
    expect(ids(p)).toEqual([1, 2, 3]);
    expect(p.r.s.q.length).toBe(0);

    p.r = p.reader({}); // reflashed: seq restarts at 1 while the host has stored 3
    p.event(4);
    p.connect();
    p.flush();
    p.store();
    p.flush();
    expect(p.r.outs.flatMap((o) => o.faults).map((f) => f.code)).toContain(E_SESS_ACK_RANGE);
    expect(ids(p)).toEqual([1, 2, 3, 4]);
    expect(p.r.s.q.length).toBe(0);
  });

  it('re-handshakes when a rebooted reader answers with an ALERT, keeping the old session until then', () => {
    const p = new Pair(9);
    p.connect();
    p.r = p.reader({});
    const ups = p.h.outs.filter((o) => o.up).length;
    const sent = p.h.s.send({ 0: 18, 2: 1 }, false, p.now);
    expect(sent.send.length).toBe(1); // the host still believes in its session
    p.take(p.h, sent);
    p.r.s.receive(p.r.inbox.shift() as Uint8Array, p.now).send.forEach((b) => {
      expect(b[1]).toBe(P_ALERT);
      p.h.inbox.push(b);
    });
    p.flush(); // ALERT -> HELLO -> AUTH -> CONFIRM
    expect(p.h.outs.filter((o) => o.up).length).toBe(ups + 1);
    p.event(5);
    p.flush();
    expect(ids(p)).toEqual([5]);
  });

  it('refuses nothing silently: an undecodable body gets an ERROR reply', () => {
    const p = new Pair(10);
    p.connect();
    const sealed = p.r.s.ch.seal(new Uint8Array([0xff]), p.now);
    if (!sealed.ok) throw new Error('seal');
    const o = p.h.s.receive(sealed.value, p.now);
    expect(o.faults.length).toBe(1);
    expect(o.send.length).toBe(1);
    const back = p.r.s.receive(o.send[0] as Uint8Array, p.now);
    expect(back.deliver[0]?.type).toBe(T_ERROR);
    expect(new LinkSession(p.r.s.ch, { initiator: false, known: KNOWN }).nextSeq()).toBe(1);
  });
});
