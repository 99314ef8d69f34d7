/**
 * The reader application: wires sightings, taps, the door and the host link over the ports. Board-neutral:
 * firmware/src/board/ supplies the ports and calls `startReader`. Fails closed: the relay moves only on an
 * authenticated DECISION while the host is reachable; taps while offline are queued (ciphertext only) and
 * answered locally with the "offline" pattern. Never holds anything but current rotating IDs, opaque tap
 * frames and its own configuration.
 */
import {
  type CborMap,
  type CborValue,
  leanEncode,
  type Responder,
  type Result,
  responder,
} from '@badgewire/protocol/device';
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
import { loadConfig, type ReaderConfig, saveKey } from './config';
import { decide } from './door';
import { hostLink } from './hostlink';
import {
  FLAG_LOST,
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
 * test variants patch (firmware/test-variants/, test/audit-leaks.test.ts), with `tap`.
 */
export class Reader {
  box!: Outbox;
  taps!: Taps;
  /** Challenge pool: bytes and host ids (their expiry times stay inside the reader). */
  chals!: Uint8Array[];
  chalIds!: number[];
  /** Queues one tap event; `chal` is the challenge it answered (kind CHALLENGE). */
  tap!: (kind: number, frame: Uint8Array, chal?: Uint8Array | null) => void;
  on!: (m: CborMap) => boolean;

  /** Acts on one host message; false only when a REKEY could not be stored (then it is not acknowledged). */
  message(m: CborMap): boolean {
    return this.on(m);
  }
}

/** Starts the reader, or refuses (null) with a console message when unprovisioned. */
export function startReader(p: ReaderPorts, t: ReaderTuning, ver: string): Reader | null {
  // The ports it uses after start, not the whole ports object (each binding held costs a JsVar).
  const clock = p.clock;
  const out = p.out;
  const sys = p.sys;
  const flash = p.flash;
  // Typed as found for the code after the refusal below, which runs only with a config.
  let cfg = loadConfig(flash) as ReaderConfig;
  // AUTH info is a CBOR map with HEARTBEAT's keys: 5 = firmware version (protocol encodeAuthInfo). The
  // responder refuses a key the channel cannot use.
  let ch: Result<Responder> | null = cfg && responder(p.aes, p.rnd, cfg.id, cfg.key, leanEncode({ 5: ver }));
  if (!ch || !ch.ok) {
    // The text is a literal here, not a module constant, so it stays in flash instead of holding RAM.
    sys.log('badgewire: reader is not provisioned (E601): no valid bw.cfg. Run `badgewire provision`.');
    out.led(LED_RED, [2000]);
    return null;
  }
  const relayMs = cfg.relay;
  const r = new Reader();
  const box = (r.box = outbox(flash, t.cap));
  const seen = sightings(cfg.dd, 32);
  /** Challenge pool: bytes, host id, expiry (ms). */
  const chals: Uint8Array[] = (r.chals = []);
  const chalIds: number[] = (r.chalIds = []);
  const chalExp: number[] = [];
  /** The challenge id of the tap in progress, and the seq/time of the last tap event. */
  let usedId = 0;
  let tapSeq = 0;
  let tapAt = -1e9;
  /** HEARTBEAT error flags raised since the last heartbeat (NFC front end, link). */
  let flags = 0;
  const t0 = clock.now();
  const fault = (f: number): void => {
    flags |= f;
  };
  const host = hostLink(p.link, ch.value, box, clock, t, r, fault);

  const ms = (): number => {
    return (clock.now() - t0) >>> 0;
  };

  /** The freshest unexpired challenge, or none (then the tap is counter-only and cannot open a door). */
  const takeChal = (): Uint8Array | undefined => {
    while (chals.length) {
      const c = chals.pop() as Uint8Array;
      usedId = chalIds.pop() as number;
      if ((chalExp.pop() as number) > clock.now()) return c;
    }
  };

  r.tap = (kind: number, frame: Uint8Array, chal?: Uint8Array | null): void => {
    const m: CborMap = { 0: MSG_TAP, 2: frame, 3: kind, 5: ms() };
    if (chal) m[4] = usedId;
    // Fail closed while the host is unreachable, and say so (the "offline" pattern): the tap is queued.
    if (!host.online()) {
      out.led(LED_RED, [100, 100, 100]);
      out.beep([400]);
    }
    tapSeq = host.event(m, false);
    tapAt = clock.now();
  };

  // Host messages (their fields are checked with `x === +x`: a number, not NaN, in fewer bytes than typeof).
  r.on = (m: CborMap): boolean => {
    const k = m[0];
    const a = m[2];
    if (k === MSG_DECISION) {
      // Only an answer to the latest tap, while the host is reachable and the tap is fresh: never a stale one.
      if (a === tapSeq && clock.now() - tapAt <= t.decideMs && host.online()) decide(out, relayMs, m);
    } else if (k === MSG_CHALLENGES) {
      const ttl = m[3] as number;
      const first = m[4] as number;
      if (ttl !== +ttl || first !== +first) return true;
      const exp = clock.now() + ttl * 1000;
      // Anything but a list of 8-byte challenges adds nothing (a byte string or a map has no such entries).
      for (let i = 0; a && i < (a as CborValue[]).length; i++) {
        const x = (a as CborValue[])[i];
        if (x instanceof Uint8Array && x.length === 8) {
          chalIds.push(first + i);
          chalExp.push(exp);
          // Past the pool size the oldest goes.
          if (chals.push(x) > t.pool) {
            chals.shift();
            chalIds.shift();
            chalExp.shift();
          }
        }
      }
    } else if (k === MSG_CONFIG) {
      const f = m[6] as number;
      const w = m[7] as number;
      if (f === +f) seen.floor = f;
      if (w === +w && w > 0) seen.win = w;
    } else if (k === MSG_REKEY) {
      // The new key is in flash before the channel uses it or the host hears the ACK; saveKey refuses an
      // unusable key. The running session continues, the next handshake uses this one.
      if (!saveKey(flash, a)) return false;
      host.ch.key = new Uint8Array(a as Uint8Array);
    }
    return true;
  };

  /** Every heartbeat period: the health report to the host, then the watchdog kick while healthy. */
  const beat = (): void => {
    const h = sys.health();
    const m: CborMap = {
      0: MSG_HEARTBEAT,
      1: 0,
      2: (ms() / 1000) | 0,
      4: h.flags | flags | (box.lost && FLAG_LOST),
      5: ver,
      6: h.tamper,
      7: box.size(),
    };
    flags = 0;
    if (h.free >= 0) m[3] = h.free;
    host.beat(m);
    // Watchdog policy: kick only while memory is sound; a leak or a wedged interpreter ends in a reset.
    if ((h.free < 0 || h.free >= t.minFree) && !(h.flags & 3)) sys.kick();
    clock.setTimer(t.hb, beat);
  };

  sys.watchdog(t.wdt);
  p.radio.scan(cfg.cid, cfg.si, cfg.sw, (a: Advert) => {
    if (seen.accept(a, clock.now())) host.event({ 0: MSG_SIGHTING, 2: a.data, 3: a.rssi, 4: ms() }, true);
  });
  r.taps = taps(p.nfc, clock, t, r.tap, takeChal, fault);
  // The closures above keep this call's scope for the reader's lifetime (Espruino keeps whole scopes): drop
  // the parsed config (link key included), the channel wrapper and the ports object, which nothing needs
  // from here on.
  p = ch = cfg = null as never;
  beat();
  sys.log('badgewire reader ' + ver + ' running');
  return r;
}
