/**
 * The reader (responder) role of BW-SC. Device-safe: runs in the firmware bundle on Espruino, so it uses only
 * the `Aes128` port's ECB and CBC calls, the `Random` port, and the Espruino language subset.
 *
 * States: no session, or an established session; either may also hold one pending handshake (AUTH sent,
 * waiting for CONFIRM). A pending handshake never disturbs the established session, so a replayed HELLO
 * cannot tear a working session down; the pending one replaces it only once the host proves the new keys
 * (CONFIRM, or any record that verifies under them if the CONFIRM was lost).
 */
import { copyOf, equalCt } from '../bytes';
import {
  E_CH_EXPIRED,
  E_CH_HANDSHAKE,
  E_CH_NO_KEY,
  E_CH_NO_SESSION,
  E_CH_STATE,
  E_CH_TOO_MANY_FAILURES,
  E_CH_VERSION,
  fail,
  ok,
  type Result,
} from '../errors';
import type { Aes128, Random } from '../ports';
import { decodeHello, encodeAuth, expectedTagH, tagOf } from './handshake';
import { deriveKeys } from './keys';
import {
  alertCode,
  DIR_H2R,
  DIR_R2H,
  encodeAlert,
  KEY_LEN,
  MAX_VERSION,
  MIN_VERSION,
  NONCE_LEN,
  P_ALERT,
  P_CONFIRM,
  P_HELLO,
  P_RECORD,
  type Packet,
  parsePacket,
  READER_ID_LEN,
} from './packet';
import { newSession, openRecord, portCipher, type RecordCipher, type Session, sealRecord } from './record';
import { type ChannelStep, failed, MAX_AGE_MS, MAX_FAILS, step } from './step';

export const HELLO_MIN_MS = 200;

export interface ReaderChannelConfig {
  readerId: Uint8Array;
  /** K_r, 32 bytes, written over USB at provisioning. There is no default. */
  key: Uint8Array;
  /** Opaque bytes sent in AUTH (firmware version, capabilities), authenticated by tagR. */
  info: Uint8Array;
  minVer?: number;
  maxVer?: number;
  maxFails?: number;
  maxAgeMs?: number;
}

interface Pending {
  s: Session;
  hello: Uint8Array;
  auth: Uint8Array;
}

/**
 * A usable K_r: 32 bytes and not all one value (an erased flash page reads as all 00 or all FF). Every byte is
 * read whatever the key holds, so the time taken says nothing about it.
 */
export function keyUsable(k: Uint8Array | null | undefined): boolean {
  let d = 0;
  if (k && k.length === KEY_LEN) for (let i = 1; i < KEY_LEN; i++) d |= (k[i] as number) ^ (k[0] as number);
  return d > 0;
}

/** Highest version in both ranges, or 0. */
export function chooseVersion(aMin: number, aMax: number, bMin: number, bMax: number): number {
  const hi = aMax < bMax ? aMax : bMax;
  const lo = aMin > bMin ? aMin : bMin;
  return hi >= lo ? hi : 0;
}

export class ReaderChannel {
  aes: Aes128;
  rc: RecordCipher;
  rnd: Random;
  id: Uint8Array;
  key: Uint8Array;
  info: Uint8Array;
  minV: number;
  maxV: number;
  maxFails: number;
  maxAge: number;
  s: Session | null;
  p: Pending | null;
  /** When the last HELLO was answered: each costs a key derivation, so a flood is answered at most every 200 ms. */
  lastHello: number;

  /** Use `createReaderChannel`, which refuses to build a channel without a usable key. */
  constructor(aes: Aes128, rnd: Random, cfg: ReaderChannelConfig) {
    this.aes = aes;
    this.rc = portCipher(aes);
    this.rnd = rnd;
    this.id = copyOf(cfg.readerId, 0, READER_ID_LEN);
    this.key = copyOf(cfg.key, 0, KEY_LEN);
    this.info = cfg.info;
    this.minV = cfg.minVer ?? MIN_VERSION;
    this.maxV = cfg.maxVer ?? MAX_VERSION;
    this.maxFails = cfg.maxFails ?? MAX_FAILS;
    this.maxAge = cfg.maxAgeMs ?? MAX_AGE_MS;
    this.s = null;
    this.p = null;
    this.lastHello = -1e15;
  }

  isUp(): boolean {
    return this.s !== null;
  }

  /** Handles one packet from the host. */
  receive(b: Uint8Array, now: number): ChannelStep {
    const out = step();
    const r = parsePacket(b, DIR_H2R);
    if (!r.ok) return failed(out, r);
    const pk = r.value;
    if (pk.type === P_HELLO) return this.onHello(pk, now, out);
    if (pk.type === P_CONFIRM) return this.onConfirm(pk, now, out);
    if (pk.type === P_RECORD) return this.onRecord(pk, now, out);
    if (pk.type === P_ALERT) out.alert = alertCode(pk);
    else out.fail = fail(E_CH_STATE, 1);
    return out;
  }

  onHello(pk: Packet, now: number, out: ChannelStep): ChannelStep {
    const h = decodeHello(pk);
    if (!h.ok) return failed(out, h);
    if (now - this.lastHello < HELLO_MIN_MS) return failed(out, fail(E_CH_STATE, 1));
    this.lastHello = now;
    const ver = chooseVersion(h.value.minVer, h.value.maxVer, this.minV, this.maxV);
    if (ver === 0) {
      out.send.push(encodeAlert(DIR_R2H, E_CH_VERSION));
      return failed(out, fail(E_CH_VERSION, 6));
    }
    const nr = new Uint8Array(NONCE_LEN);
    this.rnd.fill(nr);
    const keys = deriveKeys(this.aes, this.key, ver, this.id, h.value.nh, nr);
    const hello = copyOf(pk.raw, 0, pk.raw.length);
    const a = encodeAuth(this.aes, keys, hello, { ver: ver, readerId: this.id, nr: nr, info: this.info });
    if (!a.ok) return failed(out, a);
    this.p = {
      s: newSession(ver, keys, DIR_R2H, now),
      hello: hello,
      auth: copyOf(a.value, 0, a.value.length),
    };
    out.send.push(a.value);
    return out;
  }

  onConfirm(pk: Packet, now: number, out: ChannelStep): ChannelStep {
    const p = this.p;
    if (!p) return failed(out, fail(E_CH_STATE, 1));
    const want = expectedTagH(this.aes, p.s.keys, p.hello, p.auth, pk.raw);
    // A forged CONFIRM leaves the pending handshake in place: the genuine one may still arrive.
    if (!equalCt(want, tagOf(pk.raw))) return failed(out, fail(E_CH_HANDSHAKE, pk.raw.length - 8));
    this.promote(p, now, out);
    return out;
  }

  promote(p: Pending, now: number, out: ChannelStep): void {
    p.s.t0 = now;
    this.s = p.s;
    this.p = null;
    out.up = true;
  }

  onRecord(pk: Packet, now: number, out: ChannelStep): ChannelStep {
    const s = this.s;
    if (s && now - s.t0 >= this.maxAge) {
      this.s = null;
      out.send.push(encodeAlert(DIR_R2H, E_CH_EXPIRED));
      return failed(out, fail(E_CH_EXPIRED, -1));
    }
    const r: Result<Uint8Array> | null = s ? openRecord(this.rc, s, pk, this.maxFails) : null;
    if (r && r.ok) {
      out.body = r.value;
      return out;
    }
    const p = this.p;
    if (p) {
      // The CONFIRM may have been lost: a record that verifies under the pending keys confirms them.
      const rp = openRecord(this.rc, p.s, pk, this.maxFails);
      if (rp.ok) {
        this.promote(p, now, out);
        out.body = rp.value;
        return out;
      }
      if (!r) return failed(out, rp);
    }
    if (!r) {
      out.send.push(encodeAlert(DIR_R2H, E_CH_NO_SESSION));
      return failed(out, fail(E_CH_NO_SESSION, 1));
    }
    if (r.code === E_CH_TOO_MANY_FAILURES) {
      this.s = null;
      out.send.push(encodeAlert(DIR_R2H, E_CH_TOO_MANY_FAILURES));
    }
    return failed(out, r);
  }

  /** Seals one record body for the host. */
  seal(body: Uint8Array, now: number): Result<Uint8Array> {
    const s = this.s;
    if (!s) return fail(E_CH_NO_SESSION, -1);
    if (now - s.t0 >= this.maxAge) {
      this.s = null;
      return fail(E_CH_EXPIRED, -1);
    }
    return sealRecord(this.rc, s, body);
  }

  /** For the session layer: a clear ALERT telling the host this reader has no session (at boot, while idle). */
  kick(): Uint8Array {
    return encodeAlert(DIR_R2H, E_CH_NO_SESSION);
  }

  /** Renewal is the host's call: it sees both counters and owns the clock that matters. */
  renewDue(_now: number): boolean {
    return false;
  }

  /** Installs a new K_r (after REKEY was stored durably). The current session keeps running. */
  setKey(k: Uint8Array): Result<boolean> {
    if (!keyUsable(k)) return fail(E_CH_NO_KEY, -1);
    this.key = copyOf(k, 0, KEY_LEN);
    return ok(true);
  }

  /** Drops every session (e.g. on link loss); the host must handshake again. */
  reset(): void {
    this.s = null;
    this.p = null;
  }
}

/** Builds the reader role, or refuses with E_CH_NO_KEY: an unprovisioned reader does not run the link. */
export function createReaderChannel(
  aes: Aes128,
  rnd: Random,
  cfg: ReaderChannelConfig,
): Result<ReaderChannel> {
  if (!keyUsable(cfg.key)) return fail(E_CH_NO_KEY, -1);
  if (cfg.readerId.length !== READER_ID_LEN) throw new TypeError('readerId must be 8 bytes');
  return ok(new ReaderChannel(aes, rnd, cfg));
}
