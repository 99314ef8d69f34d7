/**
 * The lean reader (responder) role of BW-SC for the firmware bundle: the same wire behaviour as ReaderChannel
 * (reader-channel.ts; differential-tested against it and against HostChannel), written as plain functions over
 * one small state object because every class method and module-level table costs JsVars on a Puck.js, and every
 * byte of code is flash (issue #4).
 *
 * Session state is the raw KDF output (one Uint8Array: K_conf ‖ K_enc_h2r ‖ K_mac_h2r ‖ K_enc_r2h ‖ K_mac_r2h ‖
 * sid, 167 bytes of 176) plus counters and the CMAC subkeys of its three MAC keys (crypto/lean-cmac.ts): holding
 * the record ones saves one native ECB call per record in each direction (a sighting is one record out and one
 * ACK in), so a sighting costs 4 AES calls, not 6, and K_conf's serve both AUTH and CONFIRM. Only what a reader receives is parsed (HELLO, CONFIRM, RECORD, ALERT) and only what
 * it sends is built (AUTH, RECORD, ALERT). A failed step carries only its code: the reader acts on nothing but
 * "it failed" (hostlink.ts counts it), and the byte offsets stay with the host-side parsers.
 */
import { readU32BE, writeU32BE } from '../bytes';
import { cmacLean, cmacSubkeys } from '../crypto/lean-cmac';
import {
  E_CH_COUNTER_EXHAUSTED,
  E_CH_DIRECTION,
  E_CH_EXPIRED,
  E_CH_HANDSHAKE,
  E_CH_MALFORMED,
  E_CH_NO_SESSION,
  E_CH_REPLAY,
  E_CH_STATE,
  E_CH_TAG,
  E_CH_TOO_MANY_FAILURES,
  E_CH_UNKNOWN_PACKET,
  E_CH_VERSION,
} from '../errors';
import type { Aes128, Random } from '../ports';
import { keyUsable } from './reader-channel';

/**
 * One session: `k` is the KDF output, `m` its three MAC keys as cmacSubkeys arrays, at index 0 K_conf, then by
 * direction (1 host-to-reader, 2 reader-to-host: the MAC key of direction i is k[64i, 64i+32) and its
 * encryption key the 32 bytes before), `tx`/`rx` the last counters sealed/accepted, `f` tag failures, `t` start
 * (set once promoted). While pending, `h` is the CONFIRM transcript up to the CONFIRM itself ("H" ‖ len‖HELLO ‖ len‖AUTH; the AUTH
 * sent is its tail).
 */
export interface LeanSession {
  k: Uint8Array;
  m: Uint8Array[];
  tx: number;
  rx: number;
  f: number;
  t: number;
  h: Uint8Array;
}

export interface Responder {
  aes: Aes128;
  rnd: Random;
  /** K_r (32 bytes). */
  key: Uint8Array;
  id: Uint8Array;
  info: Uint8Array;
  /** The session (unset until the first handshake, null once dropped). */
  s?: LeanSession | null;
  /** The pending handshake (AUTH sent, waiting for CONFIRM). */
  p?: LeanSession | null;
  /** When the last HELLO was answered (each costs a key derivation: at most one per 200 ms); unset before one. */
  lh?: number;
}

/**
 * What one packet from the host produced: ReaderChannel's ChannelStep with the failure as its code (0: none),
 * fields unset rather than null or false (the reader tests them for truth only), and without the code of a
 * received ALERT: an unauthenticated hint the reader never acts on (it answers no ALERT; the host handshakes).
 */
export interface LeanStep {
  /** The packet to transmit, if any: one input produces at most one (AUTH, or the ALERT of a failure). */
  send?: Uint8Array;
  /** The authenticated, decrypted body of a record. */
  body?: Uint8Array;
  /** True when this input completed a handshake. */
  up?: boolean;
  fail: number;
}

/**
 * The responder, or null without a usable key (ReaderChannel's E_CH_NO_KEY: an unprovisioned reader does not
 * run the link). It keeps the arrays it is given (the reader's are its own, fresh from its config), and takes
 * the reader id's length from the caller: the reader's config parses exactly 8 bytes (firmware config.ts).
 */
export function responder(
  aes: Aes128,
  rnd: Random,
  readerId: Uint8Array,
  key: Uint8Array,
  info: Uint8Array,
): Responder | null {
  return keyUsable(key) ? { aes: aes, rnd: rnd, key: key, id: readerId, info: info } : null;
}

/** The clear ALERT (reader to host) carrying `code`: version 1, direction bit set, type 5, counter 0. */
export function alertPacket(code: number): Uint8Array {
  // The Uint8Array store keeps the low byte.
  return new Uint8Array([0x11, 5, 0, 0, 0, 0, code >> 8, code]);
}

/**
 * The 8-byte tag in the last 8 bytes of `b` (a packet or transcript) against the CMAC of the rest: whether they
 * match, compared in constant time; with `put`, the tag is written there instead (seal, AUTH).
 */
function tag(aes: Aes128, sk: Uint8Array, b: Uint8Array, put?: boolean): boolean {
  const t = cmacLean(aes, sk, b);
  const e = b.length - 8;
  let d = 0;
  for (let i = 0; i < 8; i++) {
    d |= (t[i] as number) ^ (b[e + i] as number);
    if (put) b[e + i] = t[i] as number;
  }
  return !d;
}

/**
 * AES-CTR of record `c` in direction `d` (1 host-to-reader, 2 reader-to-host) over `src`. The counter block is
 * dir ‖ sid ‖ BE32 c ‖ 0^4 plus the block index, dir being the header's direction bit (d - 1); a record body is
 * at most 498 bytes (32 blocks), so the index only ever changes the last byte (lean-crypto.test.ts holds this to
 * ctr.ts).
 */
export function recCtr(aes: Aes128, s: LeanSession, d: number, c: number, src: Uint8Array): Uint8Array {
  const n = src.length;
  const x = new Uint8Array((n + 15) & -16);
  for (let i = 0; i < n; i += 16) {
    x[i] = d - 1;
    x.set(s.k.subarray(160, 167), i + 1);
    writeU32BE(x, i + 8, c);
    x[i + 15] = i >> 4;
  }
  const ks = aes.ecb(s.k.subarray(64 * d - 32, 64 * d), x);
  for (let i = 0; i < n; i++) x[i] = (src[i] as number) ^ (ks[i] as number);
  return x.subarray(0, n);
}

/** Opens a host-to-reader record under session `s` into `st.body`; 0, or the failure code. */
function open(aes: Aes128, s: LeanSession, b: Uint8Array, c: number, st: LeanStep): number {
  if (c <= s.rx) return E_CH_REPLAY;
  if (!tag(aes, s.m[1] as Uint8Array, b)) return ++s.f >= 8 ? E_CH_TOO_MANY_FAILURES : E_CH_TAG;
  s.rx = c;
  st.body = recCtr(aes, s, 1, c, b.subarray(6, b.length - 8));
  return 0;
}

/** The pending keys are proven (CONFIRM, or a record under them): they become the session. */
function promote(r: Responder, p: LeanSession, now: number, st: LeanStep): number {
  p.t = now;
  r.s = p;
  r.p = null;
  st.up = true;
  return 0;
}

/**
 * The HELLO answer: derives the pending session and sends AUTH. The transcript buffer is built once:
 * "R" ‖ len‖HELLO ‖ len‖AUTH-without-tag gives tagR, then the same bytes with label "H" and the full AUTH
 * length are the CONFIRM transcript's prefix, and AUTH itself is their tail.
 */
function onHello(r: Responder, b: Uint8Array, now: number, st: LeanStep): number {
  const lo = b[6] as number;
  if (lo < 1 || (b[7] as number) < lo) return E_CH_MALFORMED;
  // Before the first HELLO `lh` is undefined, and the NaN difference compares false.
  if (now - (r.lh as number) < 200) return E_CH_STATE;
  r.lh = now;
  // This implementation speaks record version 1 only: a HELLO whose range starts above it has no common version.
  if (lo > 1) return -E_CH_VERSION;
  const aes = r.aes;
  const n = b.length;
  const o = n + 5;
  const an = 31 + r.info.length;
  const h = new Uint8Array(o + an + 8);
  // Lengths are 16-bit, written as BE32 to share writeU32BE: the two leading zero bytes land on bytes that are
  // written after them (the label and the HELLO copy).
  writeU32BE(h, o - 4, an);
  writeU32BE(h, 0, n << 8);
  h[0] = 82;
  h.set(b, 3);
  // AUTH: header (version 1, reader to host, type 2, counter 0) ‖ ver 1 ‖ readerId ‖ Nr ‖ info ‖ tagR.
  h[o] = 0x11;
  h[o + 1] = 2;
  h[o + 6] = 1;
  h.set(r.id, o + 7);
  const nr = h.subarray(o + 15, o + 31);
  r.rnd.fill(nr);
  h.set(r.info, o + 31);
  // SP 800-108 counter-mode KDF, CMAC(K_r) as PRF: [i]_8 ‖ "BW-SC keys" ‖ 0 ‖ ver 1 ‖ readerId ‖ Nh ‖ Nr ‖
  // [1336]_16 and the 8 bytes cmacLean leaves out; Nh is HELLO bytes 8..23. L's BE32 zeros land under Nr.
  const x = new Uint8Array(63);
  writeU32BE(x, 51, 1336);
  // "BW-SC keys", its 0 separator and ver 1 in one literal.
  x.set([66, 87, 45, 83, 67, 32, 107, 101, 121, 115, 0, 1], 1);
  x.set(r.id, 13);
  x.set(b.subarray(8, 24), 21);
  x.set(nr, 37);
  const k = new Uint8Array(176);
  const sk = cmacSubkeys(aes, r.key);
  const m: Uint8Array[] = [];
  for (let i = 0; i < 176; i += 16) {
    x[0]!++;
    k.set(cmacLean(aes, sk, x), i);
    // K_conf, K_mac_h2r and K_mac_r2h are k[64j, 64j + 32): each is whole after its second block.
    if (i % 64 === 16) m.push(cmacSubkeys(aes, k.subarray(i - 16, i + 16)));
  }
  tag(aes, m[0] as Uint8Array, h, true);
  h[0] = 72;
  h[o - 2] = (an + 8) >> 8;
  h[o - 1] = an + 8;
  // `t` is set when the keys are proven (promote): only a session in use expires.
  r.p = { k: k, m: m, tx: 0, rx: 0, f: 0, h: h } as LeanSession;
  st.send = h.subarray(o);
  return 0;
}

function onRecord(r: Responder, b: Uint8Array, c: number, now: number, st: LeanStep): number {
  const s = r.s;
  const p = r.p;
  if (s && now - s.t >= 90000000) {
    r.s = null;
    return -E_CH_EXPIRED;
  }
  const e = s ? open(r.aes, s, b, c, st) : -E_CH_NO_SESSION;
  if (e && p) {
    // The CONFIRM may have been lost: a record that verifies under the pending keys confirms them.
    const q = open(r.aes, p, b, c, st);
    if (!q) return promote(r, p, now, st);
    if (!s) return q;
  }
  if (e === E_CH_TOO_MANY_FAILURES) {
    r.s = null;
    return -e;
  }
  return e;
}

/**
 * The reader's part of BW-SC for one packet, after the clear layout checks of parsePacket: 0, a failure code,
 * or minus a code the host is also told in a clear ALERT.
 */
function handle(r: Responder, b: Uint8Array, now: number, st: LeanStep): number {
  const n = b.length;
  const h = b[0] as number;
  const t = b[1] as number;
  if (n < 6 || n > 512 || h & 14) return E_CH_MALFORMED;
  if (t < 1 || t > 5) return E_CH_UNKNOWN_PACKET;
  // Only host-to-reader packets come in, and AUTH only travels reader to host.
  if (h & 1 || t === 2) return E_CH_DIRECTION;
  // Minimum lengths: HELLO 24, CONFIRM 14, RECORD 15, ALERT 8.
  if (n < ([0, 24, 0, 14, 15, 8][t] as number)) return E_CH_MALFORMED;
  const c = readU32BE(b, 2);
  if (t === 4) return c ? onRecord(r, b, c, now, st) : E_CH_MALFORMED;
  if (c) return E_CH_MALFORMED;
  if (h >> 4 !== 1) return E_CH_VERSION;
  if (t === 1) return onHello(r, b, now, st);
  // An ALERT is accepted and not acted on (see LeanStep).
  if (t === 5) return 0;
  const p = r.p;
  if (!p) return E_CH_STATE;
  // tagH = CMAC(K_conf, "H" ‖ len‖HELLO ‖ len‖AUTH ‖ len‖CONFIRM-without-tag); a forged one leaves p in place.
  const l = p.h.length;
  const m = new Uint8Array(l + n + 2);
  // The length as BE32 (see onHello): its zeros land under the transcript copied next.
  writeU32BE(m, l - 2, n - 8);
  m.set(p.h);
  m.set(b, l + 2);
  return tag(r.aes, p.m[0] as Uint8Array, m) ? promote(r, p, now, st) : E_CH_HANDSHAKE;
}

/** Handles one packet from the host. */
export function respond(r: Responder, b: Uint8Array, now: number): LeanStep {
  const st = {} as LeanStep;
  let c = handle(r, b, now, st);
  if (c < 0) st.send = alertPacket((c = -c));
  st.fail = c;
  return st;
}

/**
 * One record body sealed for the host: the packet, or the failure code (ReaderChannel's, without an offset: the
 * reader only tests which one it got).
 */
export function sealFor(r: Responder, body: Uint8Array, now: number): Uint8Array | number {
  const s = r.s;
  const n = body.length;
  if (!s) return E_CH_NO_SESSION;
  if (now - s.t >= 90000000) {
    r.s = null;
    return E_CH_EXPIRED;
  }
  if (!n || n > 498) return E_CH_MALFORMED;
  if (s.tx >= 0xffffffff) return E_CH_COUNTER_EXHAUSTED;
  const c = ++s.tx;
  const out = new Uint8Array(n + 14);
  out[0] = 0x11;
  out[1] = 4;
  writeU32BE(out, 2, c);
  out.set(recCtr(r.aes, s, 2, c, body), 6);
  tag(r.aes, s.m[2] as Uint8Array, out, true);
  return out;
}

/** Installs a new K_r (after REKEY was stored durably); the running session continues. */
export function setResponderKey(r: Responder, k: Uint8Array): boolean {
  if (!keyUsable(k)) return false;
  r.key = new Uint8Array(k);
  return true;
}
