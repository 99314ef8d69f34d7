/**
 * Interop: the reader app against the protocol's own host side, i.e. HostChannel under LinkSession (the
 * reliable session the host bridge runs) with the message schema as its validator. Every message the reader
 * sends must pass the schema, and the session's acks, resends and decisions must drive the reader correctly.
 */
import {
  type CborMap,
  Deframer,
  encodeFrame,
  fromHex,
  HostChannel,
  LinkSession,
  messageFromCbor,
  messageToCbor,
  nobleAes,
  type SessionOut,
  secureRandom,
  toHex,
} from '@badgewire/protocol';
import { describe, expect, it } from 'vitest';
import { SELECT_BW } from '../src/app/apdu';
import { MSG_HEARTBEAT, MSG_SIGHTING, MSG_TAP } from '../src/app/msg';
import { outbox } from '../src/app/outbox';
import { READER_TUNING, startReader } from '../src/app/reader';
import { NFC_ISODEP, NFC_NONE } from '../src/ports';
import { FakeClock, FakeFlash, FakeOutputs, FakeRadio, FakeSystem } from './fakes';
import { clockLinkPair, FakeNfc } from './harness';

const ID = fromHex('0102030405060708');
const KEY = fromHex('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff');

function world(flash = new FakeFlash(), clock = new FakeClock(), hostKey = KEY) {
  if (!flash.readJSON('bw.cfg')) flash.writeJSON('bw.cfg', { id: toHex(ID), key: toHex(KEY), cid: 0xffff });
  const pair = clockLinkPair(clock);
  const radio = new FakeRadio();
  const nfc = new FakeNfc();
  const out = new FakeOutputs();
  const reader = startReader(
    {
      radio,
      nfc,
      flash,
      out,
      clock,
      sys: new FakeSystem(),
      link: pair.a,
      aes: nobleAes,
      rnd: { fill: (o: Uint8Array) => crypto.getRandomValues(o) },
    },
    READER_TUNING,
    '0.1.0',
  )!;
  // The host: HostChannel + LinkSession + schema check, with its I/O edge here.
  const ch = new HostChannel(nobleAes, secureRandom, {
    lookup: (r) => (toHex(r) === toHex(ID) ? { key: hostKey, prev: null } : null),
  });
  const sess = new LinkSession(ch, {
    initiator: true,
    known: [MSG_SIGHTING, MSG_TAP, MSG_HEARTBEAT],
    check: (m) => {
      const r = messageFromCbor(m);
      return r.ok ? 0 : r.code;
    },
  });
  const got: { seq: number; msg: CborMap }[] = [];
  const faults: number[] = [];
  let timer = -1;
  const apply = (o: SessionOut): void => {
    for (const s of o.send) pair.b.write(encodeFrame(s));
    for (const f of o.faults) faults.push(f.code);
    const ds = o.deliver.slice();
    for (const d of ds) {
      got.push({ seq: d.seq, msg: d.msg });
      if (d.seq > 0) apply(sess.durable(d.seq, clock.now()));
    }
    if (o.wakeAt > 0) {
      if (timer >= 0) clock.clearTimer(timer);
      timer = clock.setTimer(Math.max(0, o.wakeAt - clock.now()), () => {
        timer = -1;
        apply(sess.tick(clock.now()));
      });
    }
  };
  const df = new Deframer(
    (p) => apply(sess.receive(p, clock.now())),
    () => faults.push(-1),
  );
  pair.b.onData((c) => df.push(c));
  apply(sess.tick(clock.now()));
  return { clock, flash, pair, radio, nfc, out, reader, sess, got, faults, apply };
}

/** The reader's queue length as its latest HEARTBEAT reports it (key 7), one heartbeat period from now. */
function queued(w: ReturnType<typeof world>): unknown {
  w.clock.advance(READER_TUNING.hb);
  const hb = w.got.filter((d) => d.msg[0] === MSG_HEARTBEAT);
  return hb[hb.length - 1]?.msg[7];
}

describe('reader app ↔ protocol LinkSession host', () => {
  it('handshakes on the ALERT, delivers schema-valid events and heartbeats, and acts on a decision', () => {
    const w = world();
    w.clock.advance(6000);
    expect(w.sess.ch.isUp()).toBe(true);
    w.radio.scanning!.cb({ data: fromHex('02010614ffffff11115d75e6563a6e2b53bee108ca5711fe'), rssi: -61 });
    w.clock.advance(100);
    const chal = fromHex('0011223344556677');
    w.apply(
      w.sess.send(
        messageToCbor({ type: 21, seq: 0, list: [chal], ttlS: 30, firstId: 41 }),
        true,
        w.clock.now(),
      ),
    );
    w.clock.advance(100);
    w.nfc.answer = (apdu) => {
      if (toHex(apdu) === toHex(SELECT_BW)) return fromHex('9000');
      return Uint8Array.from([0x12, ...new Uint8Array(32).fill(3), 0x90, 0]);
    };
    w.nfc.target = NFC_ISODEP;
    w.clock.advance(500);
    const tap = w.got.find((d) => d.msg[0] === MSG_TAP)!;
    expect(messageFromCbor(tap.msg)).toMatchObject({
      ok: true,
      value: { type: 17, kind: 0, challengeId: 41 },
    });
    w.apply(
      w.sess.send(
        messageToCbor({
          type: 18,
          seq: 0,
          tapSeq: tap.seq,
          allow: true,
          relayMs: 1200,
          led: 0,
          buzzer: 0,
          reason: 0,
        }),
        false,
        w.clock.now(),
      ),
    );
    w.clock.advance(12000);
    expect(w.out.events).toContain('relay:1200');
    const sighting = w.got.find((d) => d.msg[0] === MSG_SIGHTING)!;
    expect(messageFromCbor(sighting.msg)).toMatchObject({ ok: true, value: { type: 16, rssi: -61 } });
    expect(w.got.some((d) => d.msg[0] === MSG_HEARTBEAT && d.msg[3] !== undefined)).toBe(true);
    expect(w.got.map((d) => d.seq).filter((s) => s > 0)).toEqual([1, 2]);
    // No schema or session faults on the host side, and the reader's queue drained.
    expect(w.faults).toEqual([]);
    expect(queued(w)).toBe(0);
  });

  it('after a reader reboot the host gets the queued events exactly once', () => {
    const w = world();
    w.pair.cut();
    for (let i = 0; i < 3; i++)
      w.radio.scanning!.cb({
        data: fromHex('02010614ffffff11' + toHex(new Uint8Array(16).fill(i + 1))),
        rssi: -70,
      });
    w.clock.advance(10);
    // All three are in flash (an outbox reading the same Storage finds them).
    expect(outbox(w.flash, READER_TUNING.cap).size()).toBe(3);
    // The rebooted board runs none of the old reader's code: the new one has its own clock, and the old one's
    // never advances again.
    const w2 = world(w.flash);
    w2.clock.advance(8000);
    expect(w2.got.map((d) => d.seq).filter((s) => s > 0)).toEqual([1, 2, 3]);
    expect(w2.faults).toEqual([]);
    expect(queued(w2)).toBe(0);
  });
});

describe('REKEY from the host', () => {
  it('stores the new key before acknowledging it; the next handshake runs on the new key', () => {
    const w = world();
    w.clock.advance(6000);
    expect(w.sess.ch.isUp()).toBe(true);
    const k2 = fromHex('77'.repeat(16) + '88'.repeat(16));
    w.apply(w.sess.send(messageToCbor({ type: 25, seq: 0, key: k2, keyId: 1 }), true, w.clock.now()));
    w.clock.advance(200);
    expect((w.flash.readJSON('bw.cfg') as { key: string }).key).toBe(toHex(k2));
    // The host's REKEY was acknowledged: nothing is left for its session to resend.
    expect(w.sess.q).toHaveLength(0);
    // A rebooted reader on the same flash proves the new key to a host that knows only the new key.
    const w2 = world(w.flash, w.clock, k2);
    w.pair.cut();
    w2.clock.advance(6000);
    expect(w2.sess.ch.isUp()).toBe(true);
  });

  it('refuses an unusable key (all one byte value) and leaves it unacknowledged', () => {
    const w = world();
    w.clock.advance(6000);
    w.apply(
      w.sess.send(
        messageToCbor({ type: 25, seq: 0, key: new Uint8Array(32).fill(0xff), keyId: 1 }),
        true,
        w.clock.now(),
      ),
    );
    w.clock.advance(200);
    expect((w.flash.readJSON('bw.cfg') as { key: string }).key).toBe(toHex(KEY));
    expect(w.sess.q).toHaveLength(1);
  });
});

describe('large host messages', () => {
  it('accepts a full 32-challenge pool (the schema maximum), keeps the newest 8 and uses their ids', () => {
    const w = world();
    w.clock.advance(6000);
    const list: Uint8Array[] = [];
    for (let i = 0; i < 32; i++) list.push(new Uint8Array(8).fill(i));
    w.apply(
      w.sess.send(messageToCbor({ type: 21, seq: 0, list, ttlS: 60, firstId: 1000 }), true, w.clock.now()),
    );
    w.clock.advance(200);
    expect(w.sess.q).toHaveLength(0);
    w.nfc.answer = (apdu) => {
      if (toHex(apdu) === toHex(SELECT_BW)) return fromHex('9000');
      return Uint8Array.from([0x12, ...new Uint8Array(32).fill(3), 0x90, 0]);
    };
    // One more tap than the pool holds, each after the badge left the field: the freshest challenge first.
    for (let i = 0; i <= READER_TUNING.pool; i++) {
      w.nfc.target = NFC_ISODEP;
      w.clock.advance(400);
      w.nfc.target = NFC_NONE;
      w.clock.advance(400);
    }
    const used = w.got.filter((d) => d.msg[0] === MSG_TAP).map((d) => d.msg[4]);
    expect(used).toEqual([1031, 1030, 1029, 1028, 1027, 1026, 1025, 1024, undefined]);
  });
});
