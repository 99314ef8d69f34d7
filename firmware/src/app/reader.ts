/**
 * The reader application: wires sightings, taps, the door and the host link over the ports. Board-neutral:
 * firmware/src/board/ supplies the ports and calls `startReader`. Fails closed: the relay moves only on an
 * authenticated DECISION while the host is reachable; taps while offline are queued (ciphertext only) and
 * answered locally with the "offline" pattern. Never holds anything but current rotating IDs, opaque tap
 * frames and its own configuration.
 */
import { type CborMap, leanEncode, responder } from '@badgewire/protocol/device';
import type {
  Advert,
  Aes128,
  Clock,
  Flash,
  Link,
  NfcFrontEnd,
  Outputs,
  Random,
  Scanner,
  System,
} from '../ports';
import { LED_RED } from '../ports';
import { loadConfig, saveKey } from './config';
import { decide, offline } from './door';
import { type HostLink, hostLink } from './hostlink';
import {
  FLAG_LINK,
  FLAG_LOST,
  FLAG_NFC,
  MSG_CHALLENGES,
  MSG_CONFIG,
  MSG_DECISION,
  MSG_HEARTBEAT,
  MSG_REKEY,
  MSG_SIGHTING,
  MSG_TAP,
} from './msg';
import { type Outbox, outbox } from './outbox';
import { sightings } from './sightings';
import { type Taps, taps } from './taps';

export interface ReaderPorts {
  radio: Scanner;
  nfc: NfcFrontEnd;
  flash: Flash;
  out: Outputs;
  clock: Clock;
  sys: System;
  link: Link;
  aes: Aes128;
  rnd: Random;
}

export interface ReaderTuning {
  /** Heartbeat period and host-dead timeout, ms. */
  hb: number;
  dead: number;
  rto: number;
  /** Offline queue capacity (events). */
  cap: number;
  /** Challenges kept; a DECISION must answer a tap at most `decideMs` old. */
  pool: number;
  decideMs: number;
  /** Free interpreter variables below which the reader counts as unhealthy. */
  minFree: number;
  wdt: number;
  nfcPoll: number;
}

export const READER_TUNING: ReaderTuning = {
  hb: 5000,
  dead: 16000,
  rto: 4000,
  cap: 64,
  pool: 8,
  decideMs: 10000,
  minFree: 150,
  wdt: 30,
  nfcPoll: 200,
};

export { FLAG_LINK, FLAG_LOST, FLAG_NFC } from './msg';

/**
 * What a started reader shows its caller (the tests). The app itself lives in startReader's closures: locals
 * minify, `this.x` does not (issue #4). `message` stays a prototype method because it is the seam the leaky
 * test variants patch (firmware/test-variants/, test/audit-leaks.test.ts).
 */
export class Reader {
  host!: HostLink;
  box!: Outbox;
  taps!: Taps;
  /** Challenge pool: bytes and host ids (their expiry times stay inside the reader). */
  chals!: Uint8Array[];
  chalIds!: number[];
  /** Queues one tap event; `chal` is the challenge it answered (kind CHALLENGE). */
  tap!: (kind: number, frame: Uint8Array, chal: Uint8Array | null) => void;
  on!: (m: CborMap) => boolean;

  /** Acts on one host message; false only when a REKEY could not be stored (then it is not acknowledged). */
  message(m: CborMap): boolean {
    return this.on(m);
  }
}

/** Starts the reader, or refuses (null) with a console message when unprovisioned. */
export function startReader(p: ReaderPorts, t: ReaderTuning, ver: string): Reader | null {
  let cfg = loadConfig(p.flash);
  // AUTH info is a CBOR map with HEARTBEAT's keys: 5 = firmware version (protocol encodeAuthInfo).
  let ch = cfg ? responder(p.aes, p.rnd, cfg.id, cfg.key, leanEncode({ 5: ver })) : null;
  if (!cfg || !ch || !ch.ok) {
    // The text is a literal here, not a module constant, so it stays in flash instead of holding RAM.
    p.sys.log(
      'badgewire: reader is not provisioned (E601): no valid bw.cfg in Storage. Run `badgewire provision` over USB.',
    );
    p.out.led(LED_RED, [2000]);
    return null;
  }
  // The ports it uses after start, not the whole ports object (each binding held costs a JsVar).
  const clock = p.clock;
  const out = p.out;
  const sys = p.sys;
  const flash = p.flash;
  const relayMs = cfg.relay;
  const box = outbox(flash, t.cap);
  const seen = sightings(cfg.dd, 32);
  /** Challenge pool: bytes, host id, expiry (ms). */
  const chals: Uint8Array[] = [];
  const chalIds: number[] = [];
  const chalExp: number[] = [];
  /** The challenge id of the tap in progress, and the seq/time of the last tap event. */
  let usedId = -1;
  let tapSeq = 0;
  let tapAt = -1e9;
  let nfcErr = 0;
  let linkErr = 0;
  const t0 = clock.now();
  const r = new Reader();
  const host = hostLink(p.link, ch.value, box, clock, { dead: t.dead, rto: t.rto, win: 4 }, (m: CborMap) =>
    r.message(m),
  );

  const ms = (): number => {
    return (clock.now() - t0) >>> 0;
  };

  /** The freshest unexpired challenge, or null (then the tap is counter-only and cannot open a door). */
  const takeChal = (): Uint8Array | null => {
    const now = clock.now();
    usedId = -1;
    while (chals.length > 0) {
      const c = chals.pop() as Uint8Array;
      const id = chalIds.pop() as number;
      if ((chalExp.pop() as number) > now) {
        usedId = id;
        return c;
      }
    }
    return null;
  };

  const tap = (kind: number, frame: Uint8Array, chal: Uint8Array | null): void => {
    const m: CborMap = { 0: MSG_TAP, 2: frame, 3: kind, 5: ms() };
    if (chal && usedId >= 0) m[4] = usedId;
    if (!host.online()) offline(out);
    tapSeq = host.event(m, false);
    tapAt = clock.now();
  };

  const onMessage = (m: CborMap): boolean => {
    const k = m[0];
    if (k === MSG_DECISION) {
      // Only an answer to the latest tap, while the host is reachable and the tap is fresh: never a stale one.
      const fresh = m[2] === tapSeq && clock.now() - tapAt <= t.decideMs;
      if (fresh && host.online())
        decide(
          out,
          relayMs,
          m[3] === true,
          typeof m[4] === 'number' ? m[4] : 0,
          m[5] as number,
          m[6] as number,
        );
    } else if (k === MSG_CHALLENGES) {
      const list = m[2];
      const ttl = m[3];
      const first = m[4];
      if (!Array.isArray(list) || typeof ttl !== 'number' || typeof first !== 'number') return true;
      const exp = clock.now() + ttl * 1000;
      for (let i = 0; i < list.length; i++) {
        const c = list[i];
        if (c instanceof Uint8Array && c.length === 8) {
          chals.push(c);
          chalIds.push(first + i);
          chalExp.push(exp);
        }
      }
      while (chals.length > t.pool) {
        chals.shift();
        chalIds.shift();
        chalExp.shift();
      }
    } else if (k === MSG_CONFIG) {
      if (typeof m[6] === 'number') seen.floor = m[6];
      if (typeof m[7] === 'number' && m[7] > 0) seen.win = m[7];
    } else if (k === MSG_REKEY) {
      // The new key is in flash before the channel uses it or the host hears the ACK.
      const key = m[2];
      if (!(key instanceof Uint8Array) || !saveKey(flash, key)) return false;
      // saveKey refused an unusable key; the running session continues, the next handshake uses this one.
      host.ch.key = new Uint8Array(key);
    }
    return true;
  };

  const tp = taps(p.nfc, clock, { pollMs: t.nfcPoll, backoffMs: 1000 }, tap, takeChal);

  /** Every heartbeat period: the health report to the host, then the watchdog kick while healthy. */
  const beat = (): void => {
    const h = sys.health();
    let f = h.flags;
    if (tp.errors > nfcErr) f |= FLAG_NFC;
    if (host.faults > linkErr) f |= FLAG_LINK;
    if (box.lost > 0) f |= FLAG_LOST;
    nfcErr = tp.errors;
    linkErr = host.faults;
    // Watchdog policy: kick only while memory is sound; a leak or a wedged interpreter ends in a reset.
    const healthy = (h.free < 0 || h.free >= t.minFree) && (h.flags & 3) === 0;
    const m: CborMap = {
      0: MSG_HEARTBEAT,
      2: Math.floor(ms() / 1000),
      4: f,
      5: ver,
      6: h.tamper,
      7: box.size(),
    };
    if (h.free >= 0) m[3] = h.free;
    host.beat(m);
    if (healthy) sys.kick();
    clock.setTimer(t.hb, beat);
  };

  r.host = host;
  r.box = box;
  r.taps = tp;
  r.chals = chals;
  r.chalIds = chalIds;
  r.tap = tap;
  r.on = onMessage;
  sys.watchdog(t.wdt);
  p.radio.scan(cfg.cid, cfg.si, cfg.sw, (a: Advert) => {
    if (seen.accept(a, clock.now())) host.event({ 0: MSG_SIGHTING, 2: a.data, 3: a.rssi, 4: ms() }, true);
  });
  // The closures above keep this call's scope for the reader's lifetime (Espruino keeps whole scopes): drop
  // the parsed config (link key included), the channel wrapper and the ports object, which nothing needs
  // from here on.
  cfg = null;
  ch = null;
  p = null as unknown as ReaderPorts;
  tp.start();
  beat();
  sys.log('badgewire reader ' + ver + ' running');
  return r;
}
