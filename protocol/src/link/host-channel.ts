/**
 * The host (initiator) role of BW-SC, one per link. Pure TypeScript (sans-I/O) like the reader role, but only
 * in the host entry. The host learns which reader it talks to from AUTH and looks its K_r up; it tries the
 * previous key only while a rekey is unconfirmed, and reports which key worked so the hub can finish the rekey.
 */
import { copyOf, equalCt } from '../bytes';
import {
  E_CH_EXPIRED,
  E_CH_HANDSHAKE,
  E_CH_NO_SESSION,
  E_CH_REPLAY,
  E_CH_STATE,
  E_CH_TOO_MANY_FAILURES,
  E_CH_UNKNOWN_READER,
  E_CH_VERSION,
  fail,
  type Result,
} from '../errors';
import type { Aes128, Random } from '../ports';
import { decodeAuth, encodeConfirm, encodeHello, expectedTagR, tagOf } from './handshake';
import { deriveKeys, type SessionKeys } from './keys';
import {
  alertCode,
  DIR_H2R,
  DIR_R2H,
  encodeAlert,
  MAX_VERSION,
  MIN_VERSION,
  NONCE_LEN,
  P_ALERT,
  P_AUTH,
  P_RECORD,
  type Packet,
  parsePacket,
} from './packet';
import { keyUsable } from './reader-channel';
import {
  needsRenewal,
  newSession,
  openRecord,
  portCipher,
  type RecordCipher,
  type Session,
  sealRecord,
} from './record';
import { type ChannelStep, failed, MAX_AGE_MS, MAX_FAILS, RENEW_AGE_MS, step } from './step';

/** The keys the host holds for one reader. `prev` is kept only until one handshake proves the new key. */
export interface ReaderKeys {
  key: Uint8Array;
  prev: Uint8Array | null;
}

export interface HostChannelConfig {
  /** K_r for a reader id, or null for an unknown (or not yet keyed) reader. */
  lookup(readerId: Uint8Array): ReaderKeys | null;
  minVer?: number;
  maxVer?: number;
  maxFails?: number;
  maxAgeMs?: number;
  /** Record primitives; defaults to the Aes128 port. The host bridge passes `fastRecordCipher`. */
  records?: RecordCipher;
}

/** Who is on the other end, known once a handshake completed. */
export interface Peer {
  readerId: Uint8Array;
  info: Uint8Array;
  ver: number;
  /** The reader proved the previous key: its rekey has not taken effect yet. */
  usedPrev: boolean;
}

export class HostChannel {
  aes: Aes128;
  rc: RecordCipher;
  rnd: Random;
  cfg: HostChannelConfig;
  minV: number;
  maxV: number;
  maxFails: number;
  maxAge: number;
  s: Session | null = null;
  /**
   * The session a renewal replaced, for receiving only: the reader keeps sealing under it until our CONFIRM
   * arrives, so its records in flight must not count as forgeries. Dropped at the first record of the new one.
   */
  old: Session | null = null;
  peer: Peer | null = null;
  /** The HELLO in flight, until an AUTH answers it. */
  hello: Uint8Array | null = null;
  nh: Uint8Array | null = null;

  constructor(aes: Aes128, rnd: Random, cfg: HostChannelConfig) {
    this.aes = aes;
    this.rc = cfg.records ?? portCipher(aes);
    this.rnd = rnd;
    this.cfg = cfg;
    this.minV = cfg.minVer ?? MIN_VERSION;
    this.maxV = cfg.maxVer ?? MAX_VERSION;
    this.maxFails = cfg.maxFails ?? MAX_FAILS;
    this.maxAge = cfg.maxAgeMs ?? MAX_AGE_MS;
  }

  isUp(): boolean {
    return this.s !== null;
  }

  /** Starts a handshake (first contact, renewal or retry). An established session keeps working meanwhile. */
  start(): Uint8Array {
    const nh = new Uint8Array(NONCE_LEN);
    this.rnd.fill(nh);
    this.nh = nh;
    const hello = encodeHello(this.minV, this.maxV, nh);
    // The transcript keeps its own copy: the caller's buffer may be reused by the transport.
    this.hello = copyOf(hello, 0, hello.length);
    return hello;
  }

  receive(b: Uint8Array, now: number): ChannelStep {
    const out = step();
    const r = parsePacket(b, DIR_R2H);
    if (!r.ok) return failed(out, r);
    const pk = r.value;
    if (pk.type === P_RECORD) return this.onRecord(pk, now, out);
    if (pk.type === P_AUTH) return this.onAuth(pk, now, out);
    if (pk.type === P_ALERT) out.alert = alertCode(pk);
    else out.fail = fail(E_CH_STATE, 1);
    return out;
  }

  onAuth(pk: Packet, now: number, out: ChannelStep): ChannelStep {
    const hello = this.hello;
    const nh = this.nh;
    if (!hello || !nh) return failed(out, fail(E_CH_STATE, 1));
    const a = decodeAuth(pk);
    // Downgrade protection does not rest on this check alone: tagR covers the HELLO the reader saw.
    if (a.ver < this.minV || a.ver > this.maxV) return failed(out, fail(E_CH_VERSION, 6));
    const rk = this.cfg.lookup(a.readerId);
    if (!rk || !keyUsable(rk.key)) {
      out.send.push(encodeAlert(DIR_H2R, E_CH_UNKNOWN_READER));
      return failed(out, fail(E_CH_UNKNOWN_READER, 7));
    }
    let usedPrev = false;
    let keys: SessionKeys = deriveKeys(this.aes, rk.key, a.ver, a.readerId, nh, a.nr);
    if (!equalCt(expectedTagR(this.aes, keys, hello, pk.raw), tagOf(pk.raw))) {
      const prev = rk.prev;
      const kp = prev && keyUsable(prev) ? deriveKeys(this.aes, prev, a.ver, a.readerId, nh, a.nr) : null;
      // A forged AUTH leaves the HELLO outstanding: the genuine AUTH may still arrive.
      if (!kp || !equalCt(expectedTagR(this.aes, kp, hello, pk.raw), tagOf(pk.raw)))
        return failed(out, fail(E_CH_HANDSHAKE, pk.raw.length - 8));
      keys = kp;
      usedPrev = true;
    }
    const raw = copyOf(pk.raw, 0, pk.raw.length);
    out.send.push(encodeConfirm(this.aes, keys, hello, raw));
    const same = this.peer !== null && equalCt(this.peer.readerId, a.readerId);
    this.old = same ? this.s : null;
    this.s = newSession(a.ver, keys, DIR_H2R, now);
    this.peer = { readerId: a.readerId, info: a.info, ver: a.ver, usedPrev: usedPrev };
    this.hello = null;
    this.nh = null;
    out.up = true;
    return out;
  }

  onRecord(pk: Packet, now: number, out: ChannelStep): ChannelStep {
    const s = this.s;
    if (!s) return failed(out, fail(E_CH_NO_SESSION, 1));
    if (now - s.t0 >= this.maxAge) {
      this.s = null;
      return failed(out, fail(E_CH_EXPIRED, -1));
    }
    const r = openRecord(this.rc, s, pk, this.maxFails);
    if (r.ok) {
      this.old = null;
      out.body = r.value;
      return out;
    }
    const old = this.old;
    if (old && s.rx === 0 && r.code !== E_CH_REPLAY) {
      const ro = openRecord(this.rc, old, pk, this.maxFails);
      if (ro.ok) {
        s.fails--;
        out.body = ro.value;
        return out;
      }
    }
    if (r.code === E_CH_TOO_MANY_FAILURES) this.s = null;
    return failed(out, r);
  }

  seal(body: Uint8Array, now: number): Result<Uint8Array> {
    const s = this.s;
    if (!s) return fail(E_CH_NO_SESSION, -1);
    if (now - s.t0 >= this.maxAge) {
      this.s = null;
      return fail(E_CH_EXPIRED, -1);
    }
    return sealRecord(this.rc, s, body);
  }

  reset(): void {
    this.s = null;
    this.old = null;
    this.hello = null;
    this.nh = null;
  }

  /** For the session layer: the host answers every kick with a HELLO. */
  kick(): Uint8Array {
    return this.start();
  }

  renewDue(now: number): boolean {
    return this.s !== null && needsRenewal(this.s, now, RENEW_AGE_MS);
  }
}
