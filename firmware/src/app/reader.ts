/**
 * The reader application: wires sightings, taps, the door and the host link over the ports. Board-neutral:
 * firmware/src/board/ supplies the ports and calls `startReader`. Fails closed: the relay moves only on an
 * authenticated DECISION while the host is reachable; taps while offline are queued (ciphertext only) and
 * answered locally with the "offline" pattern. Never holds anything but current rotating IDs, opaque tap
 * frames and its own configuration.
 */
import { type CborMap, type CborValue, leanEncode, responder } from '@badgewire/protocol/device';
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
import { LED_GREEN, LED_RED } from '../ports';
import { loadConfig, type ReaderConfig, saveKey } from './config';
import { hostLink } from './hostlink';
import {
  CHAL_POOL,
  DEAD_MS,
  DECIDE_MS,
  HB_MS,
  MIN_FREE,
  NFC_POLL_MS,
  OUTBOX_CAP,
  RTO_MS,
  WDT_S,
} from './limits';
import {
  FLAG_LOST,
  MAX_RELAY_MS,
  MSG_CHALLENGES,
  MSG_CONFIG,
  MSG_DECISION,
  MSG_HEARTBEAT,
  MSG_REKEY,
  MSG_SIGHTING,
  MSG_TAP,
} from './msg';
import { outbox } from './outbox';
import { sightings } from './sightings';
import { taps } from './taps';

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

/**
 * The reader's timings and sizes, for the tests and the board code that name them. The app uses the constants
 * of limits.ts, which esbuild inlines: a tuning object would stay in the bundle and in RAM.
 */
export const READER_TUNING: ReaderTuning = {
  hb: HB_MS,
  dead: DEAD_MS,
  rto: RTO_MS,
  cap: OUTBOX_CAP,
  pool: CHAL_POOL,
  decideMs: DECIDE_MS,
  minFree: MIN_FREE,
  wdt: WDT_S,
  nfcPoll: NFC_POLL_MS,
};

export { FLAG_LINK, FLAG_LOST, FLAG_NFC } from './msg';

/**
 * What a started reader shows its caller (the tests). The app itself lives in startReader's closures: locals
 * minify, `this.x` does not (issue #4). `message` stays a prototype method because it is the seam the leaky
 * test variants patch (firmware/test-variants/, test/audit-leaks.test.ts), with `tap`.
 */
export class Reader {
  /**
   * Queues one tap event; a CHALLENGE tap (kind 0) names the challenge it answered, the one takeChal gave
   * out last. `chal` is that challenge, for callers that have it; the id is what goes on the wire.
   */
  tap!: (kind: number, frame: Uint8Array, chal?: Uint8Array | null) => void;
  on!: (m: CborMap) => boolean;

  /** Acts on one host message; false only when a REKEY could not be stored (then it is not acknowledged). */
  message(m: CborMap): boolean {
    return this.on(m);
  }
}

/**
 * Starts the reader, or refuses (null) with a console message when unprovisioned. The tuning is READER_TUNING's
 * values (limits.ts), built in: `_t` stays for the callers that pass it.
 */
export function startReader(p: ReaderPorts, _t: ReaderTuning, ver: string): Reader | null {
  // The ports it uses after start, not the whole ports object (each binding held costs a JsVar).
  const clock = p.clock;
  const out = p.out;
  const sys = p.sys;
  const flash = p.flash;
  // Typed as found for the code after the refusal below, which runs only with a config.
  let cfg = loadConfig(flash) as ReaderConfig;
  // AUTH info is a CBOR map with HEARTBEAT's keys: 5 = firmware version (protocol encodeAuthInfo). The
  // responder refuses a key the channel cannot use.
  const ch = cfg && responder(p.aes, p.rnd, cfg.id, cfg.key, leanEncode({ 5: ver }));
  if (!ch) {
    // The text is a literal here, not a module constant, so it stays in flash instead of holding RAM.
    sys.log('badgewire: reader is not provisioned (E601): no valid bw.cfg. Run `badgewire provision`.');
    out.led(LED_RED, [2000]);
    return null;
  }
  const relayMs = cfg.relay;
  const r = new Reader();
  const box = outbox(flash, OUTBOX_CAP);
  const seen = sightings(cfg.dd, 32);
  /** Challenge pool, oldest first: [bytes, host id, expiry (ms)] each. */
  const chals: [Uint8Array, number, number][] = [];
  /** The challenge id of the tap in progress (set by takeChal before a CHALLENGE tap), and the seq/time of the last tap event. */
  let usedId: number;
  let tapSeq = 0;
  // Unset before the first tap: the NaN age of a DECISION then compares false.
  let tapAt: number;
  /** HEARTBEAT error flags raised since the last heartbeat (NFC front end, link; unset ORs as 0). */
  let flags: number;
  const t0 = clock.now();
  const fault = (f: number): void => {
    flags |= f;
  };
  const host = hostLink(p.link, ch, box, clock, r, fault);

  const ms = (): number => {
    return (clock.now() - t0) >>> 0;
  };

  /** The freshest unexpired challenge, or none (then the tap is counter-only and cannot open a door). */
  const takeChal = (): Uint8Array | undefined => {
    while (chals.length) {
      const c = chals.pop() as [Uint8Array, number, number];
      usedId = c[1];
      if (c[2] > clock.now()) return c[0];
    }
  };

  r.tap = (kind: number, frame: Uint8Array): void => {
    const m: CborMap = { 0: MSG_TAP, 2: frame, 3: kind, 5: ms() };
    // Kind 0 is KIND_CHALLENGE.
    if (!kind) m[4] = usedId;
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
      // Then the relay pulse when granted (0: the configured one; capped, so a decision cannot hold the door
      // open) and the DECISION's LED and buzzer pattern ids (the host engine's numbering,
      // host/src/engine/codes.ts): LED 1 green, 2 amber, 3 red, 0 by the verdict; buzzer 0 silent, 1 short,
      // 2 long. The tables are literals at their use: a module-level array would hold RAM, function text
      // stays in flash.
      if (a === tapSeq && clock.now() - tapAt <= DECIDE_MS && host.online()) {
        const allow = m[3] === true;
        const pulse = m[4] as number;
        if (allow) out.relay(pulse === +pulse && pulse > 0 ? Math.min(pulse, MAX_RELAY_MS) : relayMs);
        const c =
          [LED_GREEN, LED_GREEN | LED_RED, LED_RED][(m[5] as number) - 1] || (allow ? LED_GREEN : LED_RED);
        const z = [80, 400][(m[6] as number) - 1];
        // Steady for green, blinking for anything else, so amber and red also read apart by eye.
        out.led(c, c === LED_GREEN ? [800] : [200, 100, 200, 100, 200]);
        if (z) out.beep([z]);
      }
    } else if (k === MSG_CHALLENGES) {
      const ttl = m[3] as number;
      const first = m[4] as number;
      const exp = clock.now() + ttl * 1000;
      // Anything but a list of 8-byte challenges with a numeric ttl and first id adds nothing (a byte string
      // or a map has no such entries).
      for (let i = 0; a && ttl === +ttl && first === +first && i < (a as CborValue[]).length; i++) {
        const x = (a as CborValue[])[i];
        // Past the pool size the oldest goes.
        if (x instanceof Uint8Array && x.length === 8 && chals.push([x, first + i, exp]) > CHAL_POOL)
          chals.shift();
      }
    } else if (k === MSG_CONFIG) {
      const f = m[6] as number;
      const w = m[7] as number;
      if (f === +f) seen.lo = f;
      if (w === +w && w > 0) seen.win = w;
    } else if (k === MSG_REKEY) {
      // The new key is in flash before the channel uses it or the host hears the ACK; saveKey refuses an
      // unusable key. The running session continues, the next handshake uses this one.
      if (!saveKey(flash, a)) return false;
      // The decoder's byte strings are copies, so the channel may keep this one.
      ch.key = a as Uint8Array;
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
    if ((h.free < 0 || h.free >= MIN_FREE) && !(h.flags & 3)) sys.kick();
    clock.setTimer(HB_MS, beat);
  };

  sys.watchdog(WDT_S);
  p.radio.scan(cfg.cid, cfg.si, cfg.sw, (a: Advert) => {
    if (seen.accept(a, clock.now())) host.event({ 0: MSG_SIGHTING, 2: a.data, 3: a.rssi, 4: ms() }, true);
  });
  taps(p.nfc, clock, r.tap, takeChal, fault);
  // The closures above keep this call's scope for the reader's lifetime (Espruino keeps whole scopes): drop
  // the parsed config (link key included) and the ports object, which nothing needs from here on.
  p = cfg = null as never;
  beat();
  sys.log('badgewire reader ' + ver + ' running');
  return r;
}
