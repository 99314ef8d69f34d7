/**
 * The reader application: wires sightings, taps, the door and the host link over the ports. Board-neutral:
 * firmware/src/board/ supplies the ports and calls `startReader`. Fails closed: the relay moves only on an
 * authenticated DECISION while the host is reachable; taps while offline are queued (ciphertext only) and
 * answered locally with the "offline" pattern. Never holds anything but current rotating IDs, opaque tap
 * frames and its own configuration.
 */
import { ascii, createReaderChannel } from '@badgewire/protocol/device';
import type {
  Advert,
  Aes128,
  Clock,
  Flash,
  Link,
  NfcFrontEnd,
  Outputs,
  Radio,
  Random,
  System,
} from '../ports';
import { LED_RED } from '../ports';
import { loadConfig, UNPROVISIONED_MSG } from './config';
import { Door } from './door';
import { HostLink } from './hostlink';
import { type AppMsg, M_CHALLENGES, M_DECISION, M_HEALTH, M_SIGHTING, M_TAP, type MsgCodec } from './msg';
import { Outbox } from './outbox';
import { Sightings } from './sightings';
import { Taps } from './taps';

export interface ReaderPorts {
  radio: Radio;
  nfc: NfcFrontEnd;
  flash: Flash;
  out: Outputs;
  clock: Clock;
  sys: System;
  link: Link;
  aes: Aes128;
  rnd: Random;
  codec: MsgCodec;
}

export interface ReaderTuning {
  /** Heartbeat period and host-dead timeout, ms. */
  hb: number;
  dead: number;
  rto: number;
  /** Offline queue capacity (events). */
  cap: number;
  /** Challenges kept, and their maximum age (SPEC: ≤ 10 s). */
  pool: number;
  chalMs: number;
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
  chalMs: 10000,
  minFree: 150,
  wdt: 30,
  nfcPoll: 200,
};

// Health flag bits the app adds to the board's error flags.
export const FLAG_NFC = 0x100;
export const FLAG_LINK = 0x200;
export const FLAG_LOST = 0x400;

export class Reader {
  p: ReaderPorts;
  t: ReaderTuning;
  ver: string;
  host: HostLink;
  door: Door;
  seen: Sightings;
  taps: Taps;
  box: Outbox;
  chals: Uint8Array[];
  chalAt: number[];
  t0: number;
  flags: number;
  nfcErr: number;
  linkErr: number;
  healthy: boolean;

  constructor(
    p: ReaderPorts,
    t: ReaderTuning,
    ver: string,
    host: HostLink,
    door: Door,
    seen: Sightings,
    box: Outbox,
  ) {
    this.p = p;
    this.t = t;
    this.ver = ver;
    this.host = host;
    this.door = door;
    this.seen = seen;
    this.box = box;
    this.chals = [];
    this.chalAt = [];
    this.t0 = p.clock.now();
    this.flags = 0;
    this.nfcErr = 0;
    this.linkErr = 0;
    this.healthy = true;
    this.taps = new Taps(
      p.nfc,
      p.clock,
      { pollMs: t.nfcPoll, backoffMs: 1000 },
      (mode: number, frame: Uint8Array, chal: Uint8Array | null) => {
        this.tap(mode, frame, chal);
      },
      () => this.takeChal(),
    );
  }

  uptime(): number {
    return Math.floor((this.p.clock.now() - this.t0) / 1000);
  }

  sighting(a: Advert): void {
    const eph = this.seen.accept(a, this.p.clock.now());
    if (eph) this.host.event({ t: M_SIGHTING, at: this.uptime(), eph: eph, rssi: a.rssi });
  }

  tap(mode: number, frame: Uint8Array, chal: Uint8Array | null): void {
    const m: AppMsg = { t: M_TAP, at: this.uptime(), mode: mode, frame: frame };
    if (chal) m.chal = chal;
    if (!this.host.online()) this.door.offline();
    this.host.event(m);
  }

  /** The freshest unused challenge, or null (then the tap falls back to mode S and cannot open a door). */
  takeChal(): Uint8Array | null {
    const now = this.p.clock.now();
    while (this.chals.length > 0 && now - (this.chalAt[0] as number) > this.t.chalMs) {
      this.chals.shift();
      this.chalAt.shift();
    }
    const c = this.chals.pop();
    this.chalAt.pop();
    return c || null;
  }

  message(m: AppMsg): void {
    if (m.t === M_DECISION) {
      if (this.host.online()) this.door.decide(m);
    } else if (m.t === M_CHALLENGES && m.list) {
      const now = this.p.clock.now();
      for (let i = 0; i + 8 <= m.list.length; i += 8) {
        this.chals.push(new Uint8Array(m.list.subarray(i, i + 8)));
        this.chalAt.push(now);
      }
      while (this.chals.length > this.t.pool) {
        this.chals.shift();
        this.chalAt.shift();
      }
    }
  }

  health(): AppMsg {
    const h = this.p.sys.health();
    let f = h.flags | this.flags;
    if (this.taps.errors > this.nfcErr) f |= FLAG_NFC;
    if (this.host.faults > this.linkErr) f |= FLAG_LINK;
    if (this.box.lost > 0) f |= FLAG_LOST;
    this.nfcErr = this.taps.errors;
    this.linkErr = this.host.faults;
    this.flags = 0;
    // Watchdog policy: kick only while memory is sound; a leak or a wedged interpreter ends in a reset.
    this.healthy = (h.free < 0 || h.free >= this.t.minFree) && (h.flags & 3) === 0;
    return {
      t: M_HEALTH,
      seq: this.box.next - 1,
      up: this.uptime(),
      free: h.free,
      flags: f,
      ver: this.ver,
      tamper: h.tamper,
      queued: this.box.size(),
    };
  }

  beat(): void {
    this.host.beat();
    if (!this.host.ch.isUp()) this.health();
    if (this.healthy) this.p.sys.kick();
    this.p.clock.setTimer(this.t.hb, () => {
      this.beat();
    });
  }
}

/** Starts the reader, or refuses (null) with a console message when unprovisioned. */
export function startReader(p: ReaderPorts, t: ReaderTuning, ver: string): Reader | null {
  const cfg = loadConfig(p.flash);
  const ch = cfg
    ? createReaderChannel(p.aes, p.rnd, { readerId: cfg.id, key: cfg.key, info: ascii(ver) })
    : null;
  if (!cfg || !ch || !ch.ok) {
    p.sys.log(UNPROVISIONED_MSG);
    p.out.led(LED_RED, [2000]);
    return null;
  }
  const box = new Outbox(p.flash, t.cap);
  const door = new Door(p.out, cfg.door, cfg.relay);
  const seen = new Sightings(cfg.dd, 32);
  let r: Reader | null = null;
  const host = new HostLink(
    p.link,
    ch.value,
    p.codec,
    box,
    p.clock,
    { hb: t.hb, dead: t.dead, rto: t.rto, win: 4 },
    (m: AppMsg) => {
      if (r) r.message(m);
    },
    () => (r as Reader).health(),
  );
  r = new Reader(p, t, ver, host, door, seen, box);
  const rr = r;
  p.sys.watchdog(t.wdt);
  p.radio.scan(cfg.cid, cfg.si, cfg.sw, (a: Advert) => {
    rr.sighting(a);
  });
  rr.taps.start();
  rr.beat();
  p.sys.log('badgewire reader ' + ver + ' running');
  return rr;
}
