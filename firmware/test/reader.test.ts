import { encodeAdvertisement, fromHex, nobleAes, toHex } from '@badgewire/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SELECT_BW } from '../src/app/apdu';
import {
  KIND_CHALLENGE,
  KIND_COUNTER,
  KIND_SUN,
  MSG_CHALLENGES,
  MSG_CONFIG,
  MSG_DECISION,
  MSG_HEARTBEAT,
  MSG_SIGHTING,
  MSG_TAP,
} from '../src/app/msg';
import { outbox } from '../src/app/outbox';
import { READER_TUNING, startReader } from '../src/app/reader';
import { NFC_ISODEP, NFC_NONE } from '../src/ports';
import { FakeClock, FakeFlash, FakeOutputs, FakeRadio, FakeSystem } from './fakes';
import { clockLinkPair, FakeNfc, HostPeer } from './harness';

const ID = fromHex('0102030405060708');
const KEY = fromHex('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff');
const CID = 0xffff;

function advert(eph: Uint8Array, rssi = -60) {
  return { data: encodeAdvertisement(CID, eph), rssi };
}

function rig(opts: { provision?: boolean; flash?: FakeFlash } = {}) {
  const clock = new FakeClock();
  const flash = opts.flash ?? new FakeFlash();
  if (opts.provision !== false && !opts.flash)
    flash.writeJSON('bw.cfg', { id: toHex(ID), key: toHex(KEY), door: 7, cid: CID, relay: 2500 });
  const radio = new FakeRadio();
  const nfc = new FakeNfc();
  const out = new FakeOutputs();
  const sys = new FakeSystem();
  const pair = clockLinkPair(clock);
  const host = new HostPeer(pair.b, clock, ID, KEY);
  const reader = startReader(
    {
      radio,
      nfc,
      flash,
      out,
      clock,
      sys,
      link: pair.a,
      aes: nobleAes,
      rnd: { fill: (o: Uint8Array) => crypto.getRandomValues(o) },
    },
    READER_TUNING,
    '0.1.0-test',
  );
  return { clock, flash, radio, nfc, out, sys, pair, host, reader };
}

/** The reader's queue length as its latest HEARTBEAT reports it (key 7), one heartbeat period from now. */
function queued(r: ReturnType<typeof rig>): unknown {
  r.clock.advance(READER_TUNING.hb);
  const hb = r.host.of(MSG_HEARTBEAT);
  return hb[hb.length - 1]?.[7];
}

function connect(r: ReturnType<typeof rig>) {
  r.host.handshake();
  r.clock.advance(20);
  expect(r.host.ch.isUp()).toBe(true);
}

/** A badge on the fake NFC front end answering SELECT and then `frame` for CHALLENGE/READ. */
function badgeAnswers(r: ReturnType<typeof rig>, frame: Uint8Array) {
  r.nfc.answer = (apdu) => {
    if (toHex(apdu) === toHex(SELECT_BW)) return fromHex('9000');
    if (apdu[1] === 0x10 || apdu[1] === 0x12) return Uint8Array.from([...frame, 0x90, 0]);
    return fromHex('6d00');
  };
}

describe('reader app on fake ports', () => {
  it('refuses to run unprovisioned, with a clear console message and no radio, NFC or link use', () => {
    const r = rig({ provision: false });
    expect(r.reader).toBeNull();
    expect(r.sys.logs.join('\n')).toMatch(/not provisioned \(E601\)/);
    expect(r.radio.scanning).toBeNull();
    expect(r.sys.wdt).toBe(0);
    r.clock.advance(20000);
    expect(r.pair.a.bytesOut).toBe(0);
  });

  it('refuses a config whose key is an erased page (all FF)', () => {
    const flash = new FakeFlash();
    flash.writeJSON('bw.cfg', { id: toHex(ID), key: 'ff'.repeat(32) });
    expect(rig({ flash }).reader).toBeNull();
  });

  it('prompts the host with the no-session alert, then completes the handshake', () => {
    const r = rig();
    expect(r.sys.wdt).toBe(READER_TUNING.wdt);
    r.clock.advance(10);
    expect(r.pair.a.bytesOut).toBeGreaterThan(0);
    connect(r);
    expect(r.host.ups).toBe(1);
  });

  it('forwards a BLE sighting once per window with its RSSI; CONFIG sets the RSSI floor', () => {
    const r = rig();
    connect(r);
    const eph = fromHex('115d75e6563a6e2b53bee108ca5711fe');
    r.radio.scanning!.cb(advert(eph, -55));
    r.radio.scanning!.cb(advert(eph, -50));
    r.radio.scanning!.cb({ data: fromHex('02010614ffffff12' + '00'.repeat(16)), rssi: -40 });
    r.clock.advance(50);
    const s = r.host.of(MSG_SIGHTING);
    expect(s).toHaveLength(1);
    expect(toHex(s[0]![2] as Uint8Array)).toBe(toHex(encodeAdvertisement(CID, eph)));
    expect(s[0]![3]).toBe(-55);
    r.clock.advance(30000);
    r.radio.scanning!.cb(advert(eph, -70));
    r.clock.advance(50);
    expect(r.host.of(MSG_SIGHTING)).toHaveLength(2);
    r.host.send({ 0: MSG_CONFIG, 1: 1, 2: 7, 3: 0, 4: 100, 5: 100, 6: -65, 7: 30000 });
    r.clock.advance(40000);
    r.radio.scanning!.cb(advert(eph, -70));
    r.clock.advance(50);
    expect(r.host.of(MSG_SIGHTING)).toHaveLength(2);
  });

  it('challenge-response tap → DECISION for that tap → relay pulse; stale or foreign decisions do nothing', () => {
    const r = rig();
    connect(r);
    const chal = fromHex('a1a2a3a4a5a6a7a8');
    r.host.send({ 0: MSG_CHALLENGES, 1: 1, 2: [chal], 3: 30, 4: 500 });
    r.clock.advance(10);
    const frame = fromHex('12' + 'cd'.repeat(32));
    badgeAnswers(r, frame);
    r.nfc.target = NFC_ISODEP;
    r.clock.advance(400);
    const taps = r.host.of(MSG_TAP);
    expect(taps).toHaveLength(1);
    expect(taps[0]![3]).toBe(KIND_CHALLENGE);
    expect(taps[0]![4]).toBe(500);
    expect(toHex(taps[0]![2] as Uint8Array)).toBe(toHex(frame));
    expect(r.nfc.sent[1]).toBe('80100000' + '08' + toHex(chal) + '21');
    expect(r.out.events.filter((e) => e.startsWith('relay'))).toEqual([]);
    // Resting on the reader: no second tap until the target left the field.
    r.clock.advance(2000);
    expect(r.host.of(MSG_TAP)).toHaveLength(1);
    const tapSeq = taps[0]![1] as number;
    r.host.send({ 0: MSG_DECISION, 2: tapSeq + 1, 3: true, 4: 2000, 5: 0, 6: 0, 7: 0 });
    r.clock.advance(10);
    expect(r.out.events.filter((e) => e.startsWith('relay'))).toEqual([]);
    r.out.events = [];
    r.host.send({ 0: MSG_DECISION, 2: tapSeq, 3: true, 4: 2000, 5: 2, 6: 2, 7: 0 });
    r.clock.advance(10);
    // The relay, then the DECISION's own patterns: LED 2 (amber: red and green), buzzer 2 (long).
    expect(r.out.events).toEqual(['relay:2000', 'led:3:200,100,200,100,200', 'beep:400']);
    // Second tap after leaving the field: no challenge left, so counter-only.
    r.nfc.target = NFC_NONE;
    r.clock.advance(400);
    r.nfc.target = NFC_ISODEP;
    r.clock.advance(400);
    const t2 = r.host.of(MSG_TAP);
    expect(t2).toHaveLength(2);
    expect(t2[1]![3]).toBe(KIND_COUNTER);
    expect(t2[1]![4]).toBeUndefined();
    // A decision arriving after 10 s is stale.
    r.clock.advance(11000);
    r.host.send({ 0: MSG_DECISION, 2: t2[1]![1] as number, 3: true, 4: 1000, 5: 0, 6: 0, 7: 0 });
    r.clock.advance(10);
    expect(r.out.events.filter((e) => e.startsWith('relay'))).toHaveLength(1);
  });

  it('acts on the DECISION LED and buzzer pattern ids, also for a refusal', () => {
    const cases: [boolean, number, number, string[]][] = [
      [true, 1, 1, ['relay:2500', 'led:2:800', 'beep:80']],
      [false, 3, 2, ['led:1:200,100,200,100,200', 'beep:400']],
      [false, 0, 0, ['led:1:200,100,200,100,200']],
      [true, 0, 0, ['relay:2500', 'led:2:800']],
    ];
    for (const [allow, led, buzzer, want] of cases) {
      const r = rig();
      connect(r);
      badgeAnswers(r, fromHex('12' + 'cd'.repeat(32)));
      r.nfc.target = NFC_ISODEP;
      r.clock.advance(400);
      const tapSeq = r.host.of(MSG_TAP)[0]![1] as number;
      r.out.events = [];
      r.host.send({ 0: MSG_DECISION, 2: tapSeq, 3: allow, 4: 0, 5: led, 6: buzzer, 7: 0 });
      r.clock.advance(10);
      expect(r.out.events).toEqual(want);
    }
  });

  it('skips expired challenges', () => {
    const r = rig();
    connect(r);
    r.host.send({ 0: MSG_CHALLENGES, 1: 1, 2: [fromHex('0101010101010101')], 3: 1, 4: 9 });
    r.clock.advance(2000);
    badgeAnswers(r, fromHex('13' + '00'.repeat(32)));
    r.nfc.target = NFC_ISODEP;
    r.clock.advance(400);
    expect(r.nfc.sent[1]).toBe('8012000021');
  });

  it('reads a passive NTAG 424 DNA (SUN): T4T NDEF application, file E104, NLEN, then the message', () => {
    const r = rig();
    connect(r);
    const ndef = fromHex('d101' + '1c55' + '04' + '6e7461672e6e78702e636f6d2f3432343f653d4546393633463746');
    const file = Uint8Array.from([0, ndef.length, ...ndef]);
    r.nfc.answer = (apdu) => {
      const h = toHex(apdu);
      if (h === toHex(SELECT_BW)) return fromHex('6a82');
      if (h.startsWith('00a4')) return fromHex('9000');
      if (h.startsWith('00b0')) {
        const off = (apdu[2]! << 8) | apdu[3]!;
        return Uint8Array.from([...file.subarray(off, off + apdu[4]!), 0x90, 0]);
      }
      return fromHex('6d00');
    };
    r.nfc.target = NFC_ISODEP;
    r.clock.advance(400);
    expect(r.nfc.sent).toEqual([
      toHex(SELECT_BW),
      '00a4040007d276000085010100',
      '00a4000c02e104',
      '00b0000002',
      '00b00002' + ndef.length.toString(16).padStart(2, '0'),
    ]);
    const t = r.host.of(MSG_TAP);
    expect(t).toHaveLength(1);
    expect(t[0]![3]).toBe(KIND_SUN);
    expect(toHex(t[0]![2] as Uint8Array)).toBe(toHex(ndef));
  });

  it('fails closed offline: queues taps and sightings in flash, survives a reboot, delivers in order once', () => {
    const r = rig();
    badgeAnswers(r, fromHex('13' + '00'.repeat(32)));
    r.nfc.target = NFC_ISODEP;
    r.clock.advance(300);
    for (let i = 0; i < 5; i++) r.radio.scanning!.cb(advert(new Uint8Array(16).fill(i + 1)));
    expect(r.out.events.some((e) => e.startsWith('led:1'))).toBe(true);
    expect(r.out.events.filter((e) => e.startsWith('relay'))).toEqual([]);
    // Reboot: a new reader on the same flash, with a fresh host session.
    const r2 = rig({ flash: r.flash });
    expect(r2.reader).not.toBeNull();
    // All six are in flash (an outbox reading the same Storage finds them).
    expect(outbox(r.flash, READER_TUNING.cap).size()).toBe(6);
    connect(r2);
    r2.clock.advance(100);
    expect([...r2.host.journal.keys()]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r2.host.journal.get(1)![0]).toBe(MSG_TAP);
    r2.clock.advance(20000);
    expect(queued(r2)).toBe(0);
    const seqs = r2.host.got.filter((m) => m[0] !== MSG_HEARTBEAT && m[0] !== 23).map((m) => m[1]);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('retransmits unacked events after link loss and a new handshake', () => {
    const r = rig();
    connect(r);
    r.host.ack = false;
    r.radio.scanning!.cb(advert(new Uint8Array(16).fill(9)));
    r.clock.advance(20);
    expect(r.host.of(MSG_SIGHTING)).toHaveLength(1);
    r.pair.cut();
    // Longer than the reader's HELLO spacing (200 ms), so the new handshake is answered.
    r.clock.advance(250);
    r.pair.restore();
    r.host.ack = true;
    r.host.ch.reset();
    connect(r);
    r.clock.advance(100);
    expect(r.host.journal.size).toBe(1);
    expect(r.host.of(MSG_SIGHTING).length).toBeGreaterThanOrEqual(2);
    r.clock.advance(6000);
    expect(queued(r)).toBe(0);
  });

  it('re-announces where its queue starts after dropping events while the session stayed up', () => {
    const r = rig();
    connect(r);
    r.host.ack = false;
    // More distinct sightings than the queue holds, with the session up and the host not acknowledging.
    for (let i = 0; i < READER_TUNING.cap + 10; i++) {
      const eph = new Uint8Array(16);
      eph[0] = i;
      eph[1] = 0xa5;
      r.radio.scanning!.cb(advert(eph));
    }
    // The first 10 events went (seq 1..10), so the queue starts at seq 11.
    const head = 11;
    const acksBefore = r.host.got.filter((m) => m[0] === 23).length;
    r.clock.advance(READER_TUNING.rto + READER_TUNING.hb);
    const acks = r.host.got.filter((m) => m[0] === 23);
    expect(acks.length).toBeGreaterThan(acksBefore);
    expect(acks[acks.length - 1]![3]).toBe(head - 1);
  });

  it('counts the host unreachable when it goes silent, and kicks the watchdog only while healthy', () => {
    const r = rig();
    connect(r);
    r.clock.advance(6000);
    const kicks = r.sys.kicks;
    expect(kicks).toBeGreaterThan(0);
    r.sys.free = 10;
    r.clock.advance(11000);
    expect(r.sys.kicks).toBe(kicks);
    // Online, a tap shows no "offline" pattern; after 20 s of host silence it does (the door fails closed).
    badgeAnswers(r, fromHex('13' + '00'.repeat(32)));
    const tapOnce = () => {
      r.out.events = [];
      r.nfc.target = NFC_ISODEP;
      r.clock.advance(400);
      r.nfc.target = NFC_NONE;
      r.clock.advance(400);
      return r.out.events;
    };
    expect(tapOnce()).toEqual([]);
    r.host.ack = false;
    r.host.ch.reset();
    r.clock.advance(20000);
    expect(tapOnce()).toEqual(['led:1:100,100,100', 'beep:400']);
  });

  it('host messages with any field types never throw, never move the door, and leave the reader working', () => {
    const r = rig();
    connect(r);
    const value = fc.oneof(
      fc.integer({ min: -5, max: 40 }),
      fc.double(),
      fc.string({ maxLength: 4 }),
      fc.boolean(),
      fc.constant(null),
      fc.uint8Array({ maxLength: 40 }),
      fc.array(fc.oneof(fc.uint8Array({ minLength: 7, maxLength: 9 }), fc.integer()), { maxLength: 4 }),
      // A plain object, as the lean CBOR decoder builds maps.
      fc.dictionary(fc.nat(9).map(String), fc.integer(), { maxKeys: 3 }).map((d) => Object.assign({}, d)),
    );
    const type = fc.constantFrom(MSG_DECISION, MSG_CHALLENGES, MSG_CONFIG, 25, 23, 99);
    const msg = fc.tuple(type, fc.array(fc.tuple(fc.integer({ min: 1, max: 9 }), value), { maxLength: 8 }));
    fc.assert(
      fc.property(msg, ([t, fields]) => {
        const m: { [k: number]: unknown } = { 0: t };
        for (const [k, v] of fields) m[k] = v;
        // No tap was made, so no DECISION may act.
        const ok = r.reader!.message(m as never);
        expect(typeof ok).toBe('boolean');
      }),
      { numRuns: Math.min(Number(process.env.FUZZ_RUNS ?? 100000), 5000) },
    );
    expect(r.out.events.filter((e) => e.startsWith('relay'))).toEqual([]);
    // Still forwarding, with the session it had, once a sane CONFIG is back (the random ones set the floor).
    r.host.send({ 0: MSG_CONFIG, 1: 1, 2: 7, 3: 0, 4: 100, 5: 100, 6: -127, 7: 1000 });
    r.clock.advance(100);
    r.radio.scanning!.cb(advert(fromHex('00112233445566778899aabbccddeeff'), -30));
    r.clock.advance(50);
    expect(r.host.of(MSG_SIGHTING).length).toBeGreaterThanOrEqual(1);
  });
});
