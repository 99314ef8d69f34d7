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
import { Sightings } from './sightings';
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

export class Reader {
  // The ports it uses after start, not the whole ports object (each property held costs a JsVar).
  clock: Clock;
  out: Outputs;
  sys: System;
  flash: Flash;
  t: ReaderTuning;
  ver: string;
  host: HostLink;
  /** The configured relay pulse, ms. */
  relayMs: number;
  seen: Sightings;
  taps: Taps;
  box: Outbox;
  /** Challenge pool: bytes, host id, expiry (ms). */
  chals: Uint8Array[];
  chalIds: number[];
  chalExp: number[];
  /** The challenge id of the tap in progress, and the seq/time of the last tap event. */
  usedId: number;
  tapSeq: number;
  tapAt: number;
  t0: number;
  nfcErr: number;
  linkErr: number;

  constructor(
    p: ReaderPorts,
    t: ReaderTuning,
    ver: string,
    host: HostLink,
    relayMs: number,
    seen: Sightings,
    box: Outbox,
  ) {
    this.clock = p.clock;
    this.out = p.out;
    this.sys = p.sys;
    this.flash = p.flash;
    this.t = t;
    this.ver = ver;
    this.host = host;
    this.relayMs = relayMs;
    this.seen = seen;
    this.box = box;
    this.chals = [];
    this.chalIds = [];
    this.chalExp = [];
    this.usedId = -1;
    this.tapSeq = 0;
    this.tapAt = -1e9;
    this.t0 = p.clock.now();
    this.nfcErr = 0;
    this.linkErr = 0;
    this.taps = taps(
      p.nfc,
      p.clock,
      { pollMs: t.nfcPoll, backoffMs: 1000 },
      (kind: number, frame: Uint8Array, chal: Uint8Array | null) => {
        this.tap(kind, frame, chal);
      },
      () => this.takeChal(),
    );
  }

  ms(): number {
    return (this.clock.now() - this.t0) >>> 0;
  }

  sighting(a: Advert): void {
    if (this.seen.accept(a, this.clock.now()))
      this.host.event({ 0: MSG_SIGHTING, 2: a.data, 3: a.rssi, 4: this.ms() }, true);
  }

  tap(kind: number, frame: Uint8Array, chal: Uint8Array | null): void {
    const m: CborMap = { 0: MSG_TAP, 2: frame, 3: kind, 5: this.ms() };
    if (chal && this.usedId >= 0) m[4] = this.usedId;
    if (!this.host.online()) offline(this.out);
    this.tapSeq = this.host.event(m, false);
    this.tapAt = this.clock.now();
  }

  /** The freshest unexpired challenge, or null (then the tap is counter-only and cannot open a door). */
  takeChal(): Uint8Array | null {
    const now = this.clock.now();
    this.usedId = -1;
    while (this.chals.length > 0) {
      const c = this.chals.pop() as Uint8Array;
      const id = this.chalIds.pop() as number;
      if ((this.chalExp.pop() as number) > now) {
        this.usedId = id;
        return c;
      }
    }
    return null;
  }

  /** Acts on one host message; false only when a REKEY could not be stored (then it is not acknowledged). */
  message(m: CborMap): boolean {
    const t = m[0];
    if (t === MSG_DECISION) {
      // Only an answer to the latest tap, while the host is reachable and the tap is fresh: never a stale one.
      const fresh = m[2] === this.tapSeq && this.clock.now() - this.tapAt <= this.t.decideMs;
      if (fresh && this.host.online())
        decide(
          this.out,
          this.relayMs,
          m[3] === true,
          typeof m[4] === 'number' ? m[4] : 0,
          m[5] as number,
          m[6] as number,
        );
    } else if (t === MSG_CHALLENGES) {
      const list = m[2];
      const ttl = m[3];
      const first = m[4];
      if (!Array.isArray(list) || typeof ttl !== 'number' || typeof first !== 'number') return true;
      const exp = this.clock.now() + ttl * 1000;
      for (let i = 0; i < list.length; i++) {
        const c = list[i];
        if (c instanceof Uint8Array && c.length === 8) {
          this.chals.push(c);
          this.chalIds.push(first + i);
          this.chalExp.push(exp);
        }
      }
      while (this.chals.length > this.t.pool) {
        this.chals.shift();
        this.chalIds.shift();
        this.chalExp.shift();
      }
    } else if (t === MSG_CONFIG) {
      if (typeof m[6] === 'number') this.seen.floor = m[6];
      if (typeof m[7] === 'number' && m[7] > 0) this.seen.win = m[7];
    } else if (t === MSG_REKEY) {
      // The new key is in flash before the channel uses it or the host hears the ACK.
      const k = m[2];
      if (!(k instanceof Uint8Array) || !saveKey(this.flash, k)) return false;
      // saveKey refused an unusable key; the running session continues, the next handshake uses this one.
      this.host.ch.key = new Uint8Array(k);
    }
    return true;
  }

  /** Every heartbeat period: the health report to the host, then the watchdog kick while healthy. */
  beat(): void {
    const h = this.sys.health();
    let f = h.flags;
    if (this.taps.errors > this.nfcErr) f |= FLAG_NFC;
    if (this.host.faults > this.linkErr) f |= FLAG_LINK;
    if (this.box.lost > 0) f |= FLAG_LOST;
    this.nfcErr = this.taps.errors;
    this.linkErr = this.host.faults;
    // Watchdog policy: kick only while memory is sound; a leak or a wedged interpreter ends in a reset.
    const healthy = (h.free < 0 || h.free >= this.t.minFree) && (h.flags & 3) === 0;
    const m: CborMap = {
      0: MSG_HEARTBEAT,
      2: Math.floor(this.ms() / 1000),
      4: f,
      5: this.ver,
      6: h.tamper,
      7: this.box.size(),
    };
    if (h.free >= 0) m[3] = h.free;
    this.host.beat(m);
    if (healthy) this.sys.kick();
    this.clock.setTimer(this.t.hb, () => {
      this.beat();
    });
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
  const box = outbox(p.flash, t.cap);
  const seen = new Sightings(cfg.dd, 32);
  let r: Reader | null = null;
  const host = hostLink(p.link, ch.value, box, p.clock, { dead: t.dead, rto: t.rto, win: 4 }, (m: CborMap) =>
    r ? r.message(m) : true,
  );
  r = new Reader(p, t, ver, host, cfg.relay, seen, box);
  const rr = r;
  p.sys.watchdog(t.wdt);
  p.radio.scan(cfg.cid, cfg.si, cfg.sw, (a: Advert) => {
    rr.sighting(a);
  });
  // The closures above keep this call's scope for the reader's lifetime (Espruino keeps whole scopes): drop
  // the parsed config (link key included) and the channel wrapper, which nothing needs from here on.
  cfg = null;
  ch = null;
  rr.taps.start();
  rr.beat();
  p.sys.log('badgewire reader ' + ver + ' running');
  // Nor does anything need the ports object itself: the reader holds the few ports it uses.
  p = null as unknown as ReaderPorts;
  return rr;
}
