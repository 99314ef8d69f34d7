/**
 * BW-SC records: encrypt-then-MAC with explicit counters (spec 30-secure-channel §5). Device-safe.
 *
 *   IV  = dir(1) ‖ sid(7) ‖ BE32 ctr ‖ 0^4         (the low 32 bits count blocks inside one record)
 *   ct  = AES-256-CTR(K_enc_dir, IV, body)          one ECB call over the counter blocks
 *   tag = CMAC(K_mac_dir, hdr ‖ type ‖ ctr ‖ ct)[0:8] one CBC call
 *   record = hdr ‖ type ‖ ctr ‖ ct ‖ tag
 *
 * The receiver checks the counter first (cheap), then the tag (constant time), and decrypts only
 * authenticated bytes.
 */
import { writeU32BE } from '../bytes';
import { cmacWith } from '../crypto/cmac';
import { ctr as aesCtr } from '../crypto/ctr';
import {
  E_CH_COUNTER_EXHAUSTED,
  E_CH_MALFORMED,
  E_CH_REPLAY,
  E_CH_TAG,
  E_CH_TOO_MANY_FAILURES,
  fail,
  ok,
  type Result,
} from '../errors';
import type { Aes128 } from '../ports';
import type { DirKeys, SessionKeys } from './keys';
import { DIR_H2R, HDR_LEN, MAX_BODY, P_RECORD, type Packet, TAG_LEN, writeHeader } from './packet';

/** The last counter a sender may use; sealing refuses beyond it rather than wrap. */
export const MAX_CTR = 0xffffffff;
/** Renew the session before this many records in either direction (half the counter space). */
export const RENEW_CTR = 0x80000000;

/**
 * The two primitives a record needs. The device uses `portCipher` (one ECB + one CBC call on the Aes128
 * port); the host may use a word-level implementation with cached schedules (fast-cipher.ts), which the
 * differential test holds to the same bytes.
 */
export interface RecordCipher {
  /** XORs the AES-CTR keystream of K_enc into buf[from, to), in place. */
  ctr(k: DirKeys, iv: Uint8Array, buf: Uint8Array, from: number, to: number): void;
  /** CMAC of buf[0, len) with K_mac (16 bytes; the first 8 are the tag). Valid until the next call. */
  mac(k: DirKeys, buf: Uint8Array, len: number): Uint8Array;
}

export function portCipher(aes: Aes128): RecordCipher {
  return {
    ctr: (k, iv, buf, from, to) => {
      buf.set(aesCtr(aes, k.enc, iv, buf.subarray(from, to)), from);
    },
    mac: (k, buf, len) => cmacWith(aes, k.mac, buf.subarray(0, len)),
  };
}

/** One established session, as seen from one side. */
export interface Session {
  ver: number;
  keys: SessionKeys;
  /** The direction this side sends in. */
  dir: number;
  /** Last counter sealed (0: none yet). */
  tx: number;
  /** Last counter accepted (0: none yet). */
  rx: number;
  /** Tag failures so far in this session. */
  fails: number;
  /** When the session was established (ms, the caller's clock). */
  t0: number;
}

export function newSession(ver: number, keys: SessionKeys, dir: number, now: number): Session {
  return { ver: ver, keys: keys, dir: dir, tx: 0, rx: 0, fails: 0, t0: now };
}

function txKeys(s: Session): DirKeys {
  return s.dir === DIR_H2R ? s.keys.h2r : s.keys.r2h;
}
function rxKeys(s: Session): DirKeys {
  return s.dir === DIR_H2R ? s.keys.r2h : s.keys.h2r;
}

function iv(dir: number, sid: Uint8Array, c: number): Uint8Array {
  const v = new Uint8Array(16);
  v[0] = dir;
  v.set(sid, 1);
  writeU32BE(v, 8, c);
  return v;
}

export function sealRecord(rc: RecordCipher, s: Session, body: Uint8Array): Result<Uint8Array> {
  if (body.length === 0 || body.length > MAX_BODY) return fail(E_CH_MALFORMED, body.length);
  if (s.tx >= MAX_CTR) return fail(E_CH_COUNTER_EXHAUSTED, -1);
  const c = s.tx + 1;
  const k = txKeys(s);
  const n = body.length;
  const out = new Uint8Array(HDR_LEN + n + TAG_LEN);
  writeHeader(out, s.ver, s.dir, P_RECORD, c);
  out.set(body, HDR_LEN);
  rc.ctr(k, iv(s.dir, s.keys.sid, c), out, HDR_LEN, HDR_LEN + n);
  const t = rc.mac(k, out, HDR_LEN + n);
  for (let i = 0; i < TAG_LEN; i++) out[HDR_LEN + n + i] = t[i] as number;
  s.tx = c;
  return ok(out);
}

/**
 * Opens a record whose layout `parsePacket` accepted. A tag failure counts against the session; at
 * `maxFails` the result is E_CH_TOO_MANY_FAILURES and the caller tears the session down.
 */
export function openRecord(rc: RecordCipher, s: Session, p: Packet, maxFails: number): Result<Uint8Array> {
  if (p.ctr <= s.rx) return fail(E_CH_REPLAY, 2);
  const raw = p.raw;
  const end = raw.length - TAG_LEN;
  const k = rxKeys(s);
  const want = rc.mac(k, raw, end);
  let d = 0;
  for (let i = 0; i < TAG_LEN; i++) d |= (want[i] as number) ^ (raw[end + i] as number);
  if (d !== 0) {
    s.fails++;
    return fail(s.fails >= maxFails ? E_CH_TOO_MANY_FAILURES : E_CH_TAG, end);
  }
  s.rx = p.ctr;
  const body = new Uint8Array(raw.subarray(HDR_LEN, end));
  rc.ctr(k, iv(1 - s.dir, s.keys.sid, p.ctr), body, 0, body.length);
  return ok(body);
}

/** Whether the session should be renewed now (counter half-way or older than `maxAgeMs`). */
export function needsRenewal(s: Session, now: number, maxAgeMs: number): boolean {
  return s.tx >= RENEW_CTR || s.rx >= RENEW_CTR || now - s.t0 >= maxAgeMs;
}
