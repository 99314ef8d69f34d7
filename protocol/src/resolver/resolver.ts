/**
 * Host resolver (SPEC §10.7): turns an EphID (BLE sighting) or a tap frame into an opaque badge ref in O(1)
 * at 100 000 badges, with no trial decryption on the common path.
 *
 * - Each badge has a learned clock offset off = badge_time - host_time and a table window of the EphIDs of
 *   slots p-2 … p+1 around its predicted slot p = floor((now + off) / 256): the two trailing slots absorb
 *   the 0-60 s switch jitter and sightings delivered late, the leading one a badge clock that runs ahead.
 * - The slide is incremental by construction: badge clocks start at random values, so each badge's slot
 *   boundary falls at its own host second (phase = -off mod 256). `advance(now)` visits only the wheel
 *   buckets of the seconds that passed: about 1/256 of the badges per second, 1 AES each.
 * - Offsets re-centre on every match: BLE by the least change that makes the slot plausible; a tap sets
 *   it from the authenticated badge time (after a power loss, when the EphID is outside the window, the
 *   host inverts it with every K_id, rate-limited: the EphID input has a 96-bit constant prefix).
 * - Replay: per-badge tap counter high-water mark (written through to a CounterStore) and, in mode C, a
 *   single-use challenge. No wall clock inside: time is always an argument.
 */
import { unsafe } from '@noble/ciphers/aes.js';
import { SLOT_SECONDS } from '../badge/ephid';
import { HDR_TAP_C, HDR_TAP_S, TAP_LENGTH } from '../badge/tap';
import {
  E_BADGE_CHALLENGE,
  E_BADGE_CLOCK,
  E_BADGE_FORGED,
  E_BADGE_HEADER,
  E_BADGE_LENGTH,
  E_BADGE_REPLAY,
  E_BADGE_REVOKED,
  E_BADGE_UNKNOWN,
  fail,
  ok,
  type Result,
} from '../errors';
import type { ChallengeCheck } from './challenges';
import type { CounterStore } from './counters';
import { KeySchedules } from './schedules';
import { EphTable, F_CENTER, F_REVOKED, F_SIGHTED } from './table';
import { PhaseWheel } from './wheel';

export interface ResolverOptions {
  /** Host time (seconds) the resolver starts at. */
  nowS: number;
  store: CounterStore;
  /** Expected number of badges (arrays grow beyond it). */
  capacity?: number;
  /** Largest |badge clock - predicted| accepted for a mode S tap (s). Default 300. */
  tapSkewS?: number;
  /** Rotation jitter of the badges (s): a BLE sighting of slot s is plausible until (s+1)*256 + jitter. */
  jitterS?: number;
  /** Slow-path EphID inversions (100k AES each at 100k badges) allowed per second. Default 2. */
  resyncPerSecond?: number;
}

export interface Sighting {
  badge: string;
  slot: number;
}

export interface TapAccepted {
  badge: string;
  ctr: number;
  badgeTime: number;
  mode: 'C' | 'S';
}

const WIN_BEFORE = 2;
/** Doubles of hot state per badge: off, hwm, state, lo, highest BLE slot seen, 3 spare (one 64-byte line). */
const BF = 8;
const WIN = 4;
const FREE = 0;
const ACTIVE = 1;
const REVOKED = 2;
/** First word of the EphID input block "BW" 01 00, read little-endian. */
const PREFIX_W0 = 0x00015742;

function bswap(x: number): number {
  return ((x >>> 24) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24)) >>> 0;
}
function le32(b: Uint8Array, o: number): number {
  return (
    ((b[o] as number) |
      ((b[o + 1] as number) << 8) |
      ((b[o + 2] as number) << 16) |
      ((b[o + 3] as number) << 24)) >>>
    0
  );
}

export class Resolver {
  private readonly table: EphTable;
  private readonly store: CounterStore;
  private readonly tapSkewS: number;
  private readonly jitterS: number;
  private readonly resyncRate: number;
  private resyncTokens: number;
  private resyncAt: number;
  private tick: number;
  private n = 0;
  private cap: number;
  private refs: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly keys: KeySchedules;
  /**
   * Per-badge hot state, BF doubles per badge so one cache line serves a lookup: [off, hwm, state, lo, seen].
   * off = badge_time - host_time; hwm = highest accepted tap counter (-1 none); lo = first slot in the table;
   * seen = highest slot a BLE sighting or tap showed (-1 none).
   */
  private bf: Float64Array;
  /** EphID words 0-1 of each window slot, ring-indexed by slot & 3: needed to find entries to evict. */
  private ephW: Uint32Array;
  private readonly wheel: PhaseWheel;

  constructor(o: ResolverOptions) {
    this.store = o.store;
    this.cap = Math.max(16, o.capacity ?? 1024);
    this.tapSkewS = o.tapSkewS ?? 300;
    this.jitterS = o.jitterS ?? 60;
    this.resyncRate = o.resyncPerSecond ?? 2;
    this.resyncTokens = this.resyncRate;
    this.resyncAt = o.nowS;
    this.tick = Math.floor(o.nowS);
    this.table = new EphTable(this.cap * WIN);
    this.bf = new Float64Array(this.cap * BF);
    this.keys = new KeySchedules(this.cap);
    this.ephW = new Uint32Array(this.cap * WIN * 2);
    this.wheel = new PhaseWheel(this.cap);
  }

  get size(): number {
    return this.index.size;
  }

  /** Registers a badge at runtime. `offset` = badge_time - host_time as provisioned (seconds). */
  addBadge(ref: string, kId: Uint8Array, kTap: Uint8Array, offset: number): void {
    if (this.index.has(ref)) throw new TypeError('addBadge: badge ref already registered');
    if (kId.length !== 16 || kTap.length !== 16) throw new TypeError('addBadge: keys must be 16 bytes');
    if (this.n === this.cap) this.growBadges();
    const b = this.n++;
    this.refs[b] = ref;
    this.index.set(ref, b);
    this.keys.set(b, kId, kTap);
    this.bf[b * BF + 2] = ACTIVE;
    this.bf[b * BF] = Math.round(offset);
    this.bf[b * BF + 3] = -1;
    this.bf[b * BF + 1] = this.store.load(ref);
    this.bf[b * BF + 4] = -1;
    this.link(b);
    this.sync(b, this.tick);
  }

  /** Revoked badges stay resolvable so the host can say why it refused them (E_BADGE_REVOKED). */
  revoke(ref: string): boolean {
    const b = this.index.get(ref);
    if (b === undefined || this.bf[b * BF + 2] !== ACTIVE) return false;
    this.bf[b * BF + 2] = REVOKED;
    const lo = this.bf[b * BF + 3] as number;
    if (lo >= 0) for (let x = lo; x < lo + WIN; x++) this.mark(b, x, F_REVOKED, 0);
    return true;
  }

  /** Removes a badge and its key schedules entirely (end of event, lost badge re-issued). */
  forget(ref: string): boolean {
    const b = this.index.get(ref);
    if (b === undefined) return false;
    this.dropWindow(b);
    this.unlink(b);
    this.bf[b * BF + 2] = FREE;
    this.index.delete(ref);
    this.refs[b] = '';
    this.keys.clear(b);
    return true;
  }

  /** The learned offset of a badge (diagnostics and tests), or NaN. */
  offsetOf(ref: string): number {
    const b = this.index.get(ref);
    return b === undefined ? Number.NaN : (this.bf[b * BF] as number);
  }

  /**
   * Slides the windows of the badges whose slot boundary passed since the last call. Returns AES spent.
   * Sightings and taps call it implicitly when their time is past the current tick; the host also calls it
   * from a 1-s timer so the slide is not charged to a tap's latency.
   */
  advance(nowS: number): number {
    const t = Math.floor(nowS);
    let aes = 0;
    if (t > this.tick) {
      if (t - this.tick >= SLOT_SECONDS) {
        for (let b = 0; b < this.n; b++) if (this.bf[b * BF + 2] !== FREE) aes += this.sync(b, t);
      } else {
        for (let u = this.tick + 1; u <= t; u++) {
          let b = this.wheel.first(u);
          while (b >= 0) {
            aes += this.sync(b, t);
            b = this.wheel.after(b);
          }
        }
      }
      this.tick = t;
    }
    return aes;
  }

  /** Resolves a BLE sighting's EphID. E_BADGE_UNKNOWN when not in any window. */
  resolveSighting(eph: Uint8Array, nowS: number): Result<Sighting> {
    if (eph.length !== 16) return fail(E_BADGE_LENGTH, eph.length);
    if (nowS >= this.tick + 1) this.advance(nowS);
    const i = this.table.find(le32(eph, 0), le32(eph, 4), le32(eph, 8), le32(eph, 12));
    if (i < 0) return fail(E_BADGE_UNKNOWN, -1);
    const b = this.table.badgeAt(i);
    const s = this.table.slotAt(i);
    const f = this.table.flagsAt(i);
    // Fast path, most sightings: the badge's predicted slot, already seen once. Nothing to re-centre (its
    // badge time lies inside that slot) and nothing to record, so the per-badge state is not even read.
    if (f === (F_CENTER | F_SIGHTED) && nowS >= this.tick)
      return ok({ badge: this.refs[b] as string, slot: s });
    if ((f & F_REVOKED) !== 0) return fail(E_BADGE_REVOKED, -1);
    const off = this.bf[b * BF] as number;
    const p = Math.floor((nowS + off) / SLOT_SECONDS);
    if (s < p - WIN_BEFORE || s > p - WIN_BEFORE + WIN - 1) return fail(E_BADGE_CLOCK, -1);
    // Least change that makes slot s plausible: badge_time in [s*256, (s+1)*256 + jitter).
    const bt = nowS + off;
    const from = s * SLOT_SECONDS;
    const until = from + SLOT_SECONDS + this.jitterS;
    // Backwards only for a slot at least as new as any seen: a replayed older EphID must not drag the
    // window away from the genuine badge (that is the tap resync's job, which is authenticated).
    const seen = this.bf[b * BF + 4] as number;
    if (s > seen) this.bf[b * BF + 4] = s;
    this.table.setFlags(i, f | F_SIGHTED);
    if (bt < from) this.setOffset(b, Math.ceil(from - nowS), nowS);
    else if (bt >= until && s >= seen) this.setOffset(b, Math.floor(until - 1 - nowS), nowS);
    return ok({ badge: this.refs[b] as string, slot: s });
  }

  /**
   * Verifies a 33-byte tap frame. `check` consumes mode C challenges (null: mode C is refused). On success the
   * counter high-water mark is saved through the CounterStore and the badge's offset is re-learned.
   */
  verifyTap(frame: Uint8Array, nowS: number, check: ChallengeCheck | null): Result<TapAccepted> {
    if (frame.length !== TAP_LENGTH) return fail(E_BADGE_LENGTH, Math.min(frame.length, TAP_LENGTH));
    const hdr = frame[0] as number;
    if (hdr !== HDR_TAP_C && hdr !== HDR_TAP_S) return fail(E_BADGE_HEADER, 0);
    if (nowS >= this.tick + 1) this.advance(nowS);
    const w0 = le32(frame, 1);
    const w1 = le32(frame, 5);
    const w2 = le32(frame, 9);
    const w3 = le32(frame, 13);
    let b = -1;
    let s = -1;
    const i = this.table.find(w0, w1, w2, w3);
    if (i >= 0) {
      b = this.table.badgeAt(i);
      s = this.table.slotAt(i);
    } else if (hdr === HDR_TAP_C && this.takeResyncToken(nowS)) {
      // Only a challenged tap may resync: its freshness does not depend on the badge clock.
      for (let c = 0; c < this.n; c++) {
        if (this.bf[c * BF + 2] === FREE) continue;
        const r = unsafe.decrypt(this.keys.idDec[c] as Uint32Array, w0, w1, w2, w3);
        if (r.s0 === PREFIX_W0 && r.s1 === 0 && r.s2 === 0) {
          b = c;
          s = bswap(r.s3);
          break;
        }
      }
    }
    if (b < 0) return fail(E_BADGE_UNKNOWN, 1);
    if (this.bf[b * BF + 2] === REVOKED) return fail(E_BADGE_REVOKED, 1);
    const r = unsafe.decrypt(
      this.keys.tapDec[b] as Uint32Array,
      le32(frame, 17),
      le32(frame, 21),
      le32(frame, 25),
      le32(frame, 29),
    );
    const ctr = bswap(r.s0);
    const badgeTime = bswap(r.s1);
    const zeroChal = r.s2 === 0 && r.s3 === 0;
    if ((hdr === HDR_TAP_S) !== zeroChal) return fail(E_BADGE_FORGED, 17);
    if (Math.floor(badgeTime / SLOT_SECONDS) !== s) return fail(E_BADGE_FORGED, 17);
    if (hdr === HDR_TAP_S && Math.abs(badgeTime - (nowS + (this.bf[b * BF] as number))) > this.tapSkewS)
      return fail(E_BADGE_CLOCK, 17);
    if (ctr <= (this.bf[b * BF + 1] as number)) return fail(E_BADGE_REPLAY, 17);
    if (hdr === HDR_TAP_C) {
      if (check === null) return fail(E_BADGE_CHALLENGE, 17);
      const chal = new Uint8Array(8);
      const cw = new Uint32Array(chal.buffer);
      cw[0] = r.s2;
      cw[1] = r.s3;
      if (check.consume(chal, nowS) !== 0) return fail(E_BADGE_CHALLENGE, 17);
    }
    this.bf[b * BF + 1] = ctr;
    const ref = this.refs[b] as string;
    this.store.save(ref, ctr);
    const lo = this.bf[b * BF + 3] as number;
    this.setOffset(b, Math.round(badgeTime - nowS), nowS);
    const nlo = this.bf[b * BF + 3] as number;
    if (nlo !== lo) {
      // The window moved (resync): the authenticated tap resets what BLE has seen.
      this.bf[b * BF + 4] = s;
      for (let x = nlo; x < nlo + WIN; x++) this.mark(b, x, 0, F_SIGHTED);
    } else if (s > (this.bf[b * BF + 4] as number)) this.bf[b * BF + 4] = s;
    return ok({ badge: ref, ctr: ctr, badgeTime: badgeTime, mode: hdr === HDR_TAP_C ? 'C' : 'S' });
  }

  private takeResyncToken(nowS: number): boolean {
    const dt = nowS - this.resyncAt;
    if (dt > 0) {
      this.resyncTokens = Math.min(this.resyncRate, this.resyncTokens + dt * this.resyncRate);
      this.resyncAt = nowS;
    }
    if (this.resyncTokens < 1) return false;
    this.resyncTokens -= 1;
    return true;
  }

  private setOffset(b: number, off: number, nowS: number): void {
    if (off === this.bf[b * BF]) return;
    this.unlink(b);
    this.bf[b * BF] = off;
    this.link(b);
    this.sync(b, Math.max(this.tick, Math.floor(nowS)));
  }

  /** Puts the window of badge b at [p-2, p+1] for host time t. Returns the AES blocks computed. */
  private sync(b: number, t: number): number {
    const p = Math.floor((t + (this.bf[b * BF] as number)) / SLOT_SECONDS);
    const want = Math.max(0, p - WIN_BEFORE);
    const have = this.bf[b * BF + 3] as number;
    if (have === want) return 0;
    const xk = this.keys.id[b] as Uint32Array;
    if (have >= 0) {
      for (let s = have; s < have + WIN; s++) {
        if (s >= want && s < want + WIN) continue;
        const k = (b * WIN + (s & 3)) * 2;
        this.table.remove(this.ephW[k] as number, this.ephW[k + 1] as number, b, s);
      }
    }
    const center = want + WIN_BEFORE;
    const revoked = this.bf[b * BF + 2] === REVOKED ? F_REVOKED : 0;
    let aes = 0;
    for (let s = want; s < want + WIN; s++) {
      if (have >= 0 && s >= have && s < have + WIN) continue;
      const e = unsafe.encrypt(xk, PREFIX_W0, 0, 0, bswap(s));
      const k = (b * WIN + (s & 3)) * 2;
      this.ephW[k] = e.s0;
      this.ephW[k + 1] = e.s1;
      this.table.insert(e.s0, e.s1, e.s2, e.s3, b, s, revoked | (s === center ? F_CENTER : 0));
      aes++;
    }
    // Move the centre mark between entries that stayed in the window.
    if (have >= 0) {
      const old = have + WIN_BEFORE;
      if (old >= want && old < want + WIN && old !== center) this.mark(b, old, 0, F_CENTER);
      if (center >= have && center < have + WIN) this.mark(b, center, F_CENTER, 0);
    }
    this.bf[b * BF + 3] = want;
    return aes;
  }

  /** Sets and clears flags on the table entry of badge b's window slot s. */
  private mark(b: number, s: number, set: number, clear: number): void {
    const k = (b * WIN + (s & 3)) * 2;
    const i = this.table.locate(this.ephW[k] as number, this.ephW[k + 1] as number, b, s);
    if (i >= 0) this.table.setFlags(i, (this.table.flagsAt(i) & ~clear) | set);
  }

  private dropWindow(b: number): void {
    const have = this.bf[b * BF + 3] as number;
    if (have < 0) return;
    for (let s = have; s < have + WIN; s++) {
      const k = (b * WIN + (s & 3)) * 2;
      this.table.remove(this.ephW[k] as number, this.ephW[k + 1] as number, b, s);
    }
    this.bf[b * BF + 3] = -1;
  }

  private link(b: number): void {
    this.wheel.add(b, this.bf[b * BF] as number);
  }

  private unlink(b: number): void {
    this.wheel.remove(b, this.bf[b * BF] as number);
  }

  private growBadges(): void {
    const cap = this.cap * 2;
    const grow = <T extends Float64Array | Uint32Array>(a: T, n: number): T => {
      const c = new (a.constructor as new (n: number) => T)(n);
      c.set(a as never);
      return c;
    };
    this.bf = grow(this.bf, cap * BF);
    this.ephW = grow(this.ephW, cap * WIN * 2);
    this.wheel.grow(cap);
    this.keys.grow(cap, this.n);
    this.cap = cap;
  }
}
