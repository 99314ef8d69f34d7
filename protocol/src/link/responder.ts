/**
 * The lean reader (responder) role of BW-SC for the firmware bundle: the same wire behaviour as ReaderChannel
 * (reader-channel.ts; differential-tested against it and against HostChannel), written as plain functions over
 * one small state object because every class method and module-level table costs JsVars on a Puck.js.
 *
 * Session state is kept as the raw 167-byte KDF output (one Uint8Array: K_conf ‖ K_enc_h2r ‖ K_mac_h2r ‖
 * K_enc_r2h ‖ K_mac_r2h ‖ sid) plus counters and the CMAC subkeys of the two record MAC keys: holding those
 * costs ~25 JsVars and saves one native ECB call per record in each direction (a sighting is one record out and
 * one ACK in), so a sighting costs 4 AES calls, not 6. Only what a reader receives is
 * parsed (HELLO, CONFIRM, RECORD, ALERT) and only what it sends is built (AUTH, RECORD, ALERT).
 */
import { readU32BE, writeU32BE } from '../bytes';
import { type CmacKey, cmac, cmacKey, cmacWith } from '../crypto/cmac';
import { ctr } from '../crypto/ctr';
import { kdfCmac } from '../crypto/kdf';
import {
  E_CH_COUNTER_EXHAUSTED,
  E_CH_DIRECTION,
  E_CH_EXPIRED,
  E_CH_HANDSHAKE,
  E_CH_MALFORMED,
  E_CH_NO_KEY,
  E_CH_NO_SESSION,
  E_CH_REPLAY,
  E_CH_STATE,
  E_CH_TAG,
  E_CH_TOO_MANY_FAILURES,
  E_CH_UNKNOWN_PACKET,
  E_CH_VERSION,
  fail,
  ok,
  type Result,
} from '../errors';
import type { Aes128, Random } from '../ports';
import { keyUsable } from './reader-channel';
import type { ChannelStep } from './step';

/**
 * One session: `k` is the KDF output, `mi`/`mo` the record MAC keys with subkeys (host-to-reader, reader-to-host),
 * `tx`/`rx` the last counters sealed/accepted, `f` tag failures, `t` start.
 */
export interface LeanSession {
  k: Uint8Array;
  mi: CmacKey;
  mo: CmacKey;
  tx: number;
  rx: number;
  f: number;
  t: number;
}

export interface Responder {
  aes: Aes128;
  rnd: Random;
  /** K_r (32 bytes). */
  key: Uint8Array;
  id: Uint8Array;
  info: Uint8Array;
  s: LeanSession | null;
  /** The pending handshake: its session, HELLO and AUTH (for the CONFIRM transcript). */
  p: { s: LeanSession; h: Uint8Array; a: Uint8Array } | null;
  /** When the last HELLO was answered (each costs a key derivation: at most one per 200 ms). */
  lh: number;
}

/** The responder, or E_CH_NO_KEY without a usable key (an unprovisioned reader does not run the link). */
export function responder(
  aes: Aes128,
  rnd: Random,
  readerId: Uint8Array,
  key: Uint8Array,
  info: Uint8Array,
): Result<Responder> {
  if (!keyUsable(key) || readerId.length !== 8) return fail(E_CH_NO_KEY, -1);
  return ok({
    aes: aes,
    rnd: rnd,
    key: new Uint8Array(key),
    id: new Uint8Array(readerId),
    info: info,
    s: null,
    p: null,
    // Far enough in the past for any clock; an integer, so Espruino stores it inline (a double costs a JsVar).
    lh: -1e9,
  });
}

/** The clear ALERT (reader to host) carrying `code`: version 1, direction bit set, type 5, counter 0. */
export function alertPacket(code: number): Uint8Array {
  return new Uint8Array([0x11, 5, 0, 0, 0, 0, code >> 8, code & 255]);
}

/** Records a failure in the step; `alert` also sends the host the clear ALERT with the same code. */
function failed(st: ChannelStep, code: number, at: number, alert?: boolean): ChannelStep {
  if (alert) st.send.push(alertPacket(code));
  st.fail = fail(code, at);
  return st;
}

/** CMAC of the length-prefixed transcript `label ‖ len‖part ‖ ...` under K_conf, truncated to the 8-byte tag. */
function hsTag(r: Responder, k: Uint8Array, label: number, parts: Uint8Array[]): Uint8Array {
  let n = 1;
  for (let i = 0; i < parts.length; i++) n += 2 + (parts[i] as Uint8Array).length;
  const m = new Uint8Array(n);
  m[0] = label;
  let o = 1;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as Uint8Array;
    m[o] = p.length >> 8;
    m[o + 1] = p.length & 255;
    m.set(p, o + 2);
    o += 2 + p.length;
  }
  return cmac(r.aes, k.subarray(0, 32), m).subarray(0, 8);
}

function same8(a: Uint8Array, b: Uint8Array, at: number): boolean {
  let d = 0;
  for (let i = 0; i < 8; i++) d |= (a[i] as number) ^ (b[at + i] as number);
  return d === 0;
}

/** The record IV: dir ‖ sid ‖ BE32 counter ‖ 0^4. */
function recIv(s: LeanSession, dir: number, c: number): Uint8Array {
  const v = new Uint8Array(16);
  v[0] = dir;
  v.set(s.k.subarray(160, 167), 1);
  writeU32BE(v, 8, c);
  return v;
}

function onHello(r: Responder, b: Uint8Array, now: number, st: ChannelStep): ChannelStep {
  const lo = b[6] as number;
  if (lo < 1 || (b[7] as number) < lo) return failed(st, E_CH_MALFORMED, 6);
  if (now - r.lh < 200) return failed(st, E_CH_STATE, 1);
  r.lh = now;
  // This implementation speaks record version 1 only: a HELLO whose range starts above it has no common version.
  if (lo > 1) return failed(st, E_CH_VERSION, 6, true);
  const a = new Uint8Array(39 + r.info.length);
  a[0] = 0x11;
  a[1] = 2;
  a[6] = 1;
  a.set(r.id, 7);
  const nr = new Uint8Array(16);
  r.rnd.fill(nr);
  a.set(nr, 15);
  a.set(r.info, 31);
  const ctx = new Uint8Array(41);
  ctx[0] = 1;
  ctx.set(r.id, 1);
  ctx.set(b.subarray(8, 24), 9);
  ctx.set(nr, 25);
  // "BW-SC keys"
  const label = new Uint8Array([66, 87, 45, 83, 67, 32, 107, 101, 121, 115]);
  const k = kdfCmac(r.aes, r.key, label, ctx, 167);
  const h = new Uint8Array(b);
  // tagR = CMAC(K_conf, "R" ‖ len‖HELLO ‖ len‖AUTH-without-tag)
  a.set(hsTag(r, k, 82, [h, a.subarray(0, a.length - 8)]), a.length - 8);
  const mi = cmacKey(r.aes, k.subarray(64, 96));
  const mo = cmacKey(r.aes, k.subarray(128, 160));
  r.p = { s: { k: k, mi: mi, mo: mo, tx: 0, rx: 0, f: 0, t: now }, h: h, a: a };
  st.send.push(a);
  return st;
}

/** Opens a record under session `s` (host-to-reader keys); the body, or a typed failure. */
function open(s: LeanSession, r: Responder, b: Uint8Array, c: number): Result<Uint8Array> {
  if (c <= s.rx) return fail(E_CH_REPLAY, 2);
  const end = b.length - 8;
  if (!same8(cmacWith(r.aes, s.mi, b.subarray(0, end)), b, end)) {
    s.f++;
    return fail(s.f >= 8 ? E_CH_TOO_MANY_FAILURES : E_CH_TAG, end);
  }
  s.rx = c;
  return ok(ctr(r.aes, s.k.subarray(32, 64), recIv(s, 0, c), b.subarray(6, end)));
}

function onRecord(r: Responder, b: Uint8Array, c: number, now: number, st: ChannelStep): ChannelStep {
  const s = r.s;
  if (s && now - s.t >= 90000000) {
    r.s = null;
    return failed(st, E_CH_EXPIRED, -1, true);
  }
  const o = s ? open(s, r, b, c) : null;
  if (o && o.ok) {
    st.body = o.value;
    return st;
  }
  const p = r.p;
  if (p) {
    // The CONFIRM may have been lost: a record that verifies under the pending keys confirms them.
    const op = open(p.s, r, b, c);
    if (op.ok) {
      // The pending keys are proven: they become the session.
      p.s.t = now;
      r.s = p.s;
      r.p = null;
      st.up = true;
      st.body = op.value;
      return st;
    }
    if (!o) {
      st.fail = op;
      return st;
    }
  }
  if (!o) return failed(st, E_CH_NO_SESSION, 1, true);
  if (o.code === E_CH_TOO_MANY_FAILURES) {
    r.s = null;
    st.send.push(alertPacket(E_CH_TOO_MANY_FAILURES));
  }
  st.fail = o;
  return st;
}

/** Handles one packet from the host (the clear layout checks of parsePacket, then the reader's part of BW-SC). */
export function respond(r: Responder, b: Uint8Array, now: number): ChannelStep {
  const st: ChannelStep = { send: [], body: null, up: false, alert: 0, fail: null };
  const n = b.length;
  if (n < 6) return failed(st, E_CH_MALFORMED, n);
  if (n > 512) return failed(st, E_CH_MALFORMED, 512);
  const h = b[0] as number;
  const t = b[1] as number;
  if (h & 14) return failed(st, E_CH_MALFORMED, 0);
  if (t < 1 || t > 5) return failed(st, E_CH_UNKNOWN_PACKET, 1);
  if (h & 1) return failed(st, E_CH_DIRECTION, 0);
  // AUTH only travels reader to host.
  if (t === 2) return failed(st, E_CH_DIRECTION, 1);
  // Minimum lengths: HELLO 24, CONFIRM 14, RECORD 15, ALERT 8.
  if (n < (t === 1 ? 24 : t === 3 ? 14 : t === 4 ? 15 : 8)) return failed(st, E_CH_MALFORMED, n);
  const c = readU32BE(b, 2);
  if (t === 4) return c === 0 ? failed(st, E_CH_MALFORMED, 2) : onRecord(r, b, c, now, st);
  if (c !== 0) return failed(st, E_CH_MALFORMED, 2);
  if (h >> 4 !== 1) return failed(st, E_CH_VERSION, 0);
  if (t === 1) return onHello(r, b, now, st);
  if (t === 5) {
    st.alert = ((b[6] as number) << 8) | (b[7] as number);
    return st;
  }
  const p = r.p;
  if (!p) return failed(st, E_CH_STATE, 1);
  // tagH = CMAC(K_conf, "H" ‖ len‖HELLO ‖ len‖AUTH ‖ len‖CONFIRM-without-tag); a forged one leaves p in place.
  if (!same8(hsTag(r, p.s.k, 72, [p.h, p.a, b.subarray(0, n - 8)]), b, n - 8))
    return failed(st, E_CH_HANDSHAKE, n - 8);
  p.s.t = now;
  r.s = p.s;
  r.p = null;
  st.up = true;
  return st;
}

/** Seals one record body for the host. */
export function sealFor(r: Responder, body: Uint8Array, now: number): Result<Uint8Array> {
  const s = r.s;
  if (!s) return fail(E_CH_NO_SESSION, -1);
  if (now - s.t >= 90000000) {
    r.s = null;
    return fail(E_CH_EXPIRED, -1);
  }
  const n = body.length;
  if (n === 0 || n > 498) return fail(E_CH_MALFORMED, n);
  if (s.tx >= 0xffffffff) return fail(E_CH_COUNTER_EXHAUSTED, -1);
  const c = s.tx + 1;
  const out = new Uint8Array(n + 14);
  out[0] = 0x11;
  out[1] = 4;
  writeU32BE(out, 2, c);
  out.set(ctr(r.aes, s.k.subarray(96, 128), recIv(s, 1, c), body), 6);
  out.set(cmacWith(r.aes, s.mo, out.subarray(0, n + 6)).subarray(0, 8), n + 6);
  s.tx = c;
  return ok(out);
}

/** Installs a new K_r (after REKEY was stored durably); the running session continues. */
export function setResponderKey(r: Responder, k: Uint8Array): boolean {
  if (!keyUsable(k)) return false;
  r.key = new Uint8Array(k);
  return true;
}
