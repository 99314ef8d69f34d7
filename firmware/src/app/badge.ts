/**
 * The badge application (SPEC §10.3–10.5): advertises the rotating presence frame and answers NFC taps.
 *
 * Rotation: at each 256 s slot boundary plus a random 0–60 s delay, a new EphID and a new random static
 * address are set in the same step (an observer never sees one change without the other). Advertising is
 * non-connectable, non-scannable, with no name and no TX power. badge_time (seconds since provisioning)
 * is persisted periodically; the badge never accepts time over the air.
 *
 * Taps: a fresh random 7-byte UID per field session; SELECT badgewire, then CHALLENGE (mode C) or READ
 * (mode S). The tap counter is persisted BEFORE the frame that uses it leaves the badge, so a power cut can
 * skip a counter value but never repeat one.
 */
import {
  encodeAdvertisement,
  ephIdInput,
  HDR_TAP_C,
  HDR_TAP_S,
  SLOT_SECONDS,
  TAP_LENGTH,
  tapBlock,
} from '@badgewire/protocol/device';
import type { Aes128, Clock, Flash, NfcTag, Radio, Random } from '../ports';
import { AID, INS_CHALLENGE, INS_READ, SW_CLA, SW_COND, SW_INS, SW_NOT_FOUND, SW_OK } from './apdu';
import { IsoDep } from './isodep';

export const BADGE_FILE = 'bw.badge';
export const CLOCK_FILE = 'bw.clk';
export const CTR_FILE = 'bw.ctr';

export interface BadgePorts {
  radio: Radio;
  tag: NfcTag;
  flash: Flash;
  clock: Clock;
  aes: Aes128;
  rnd: Random;
  log: (m: string) => void;
}

export interface BadgeTuning {
  /** Advertising interval, ms. */
  adv: number;
  /** Maximum extra delay after a slot boundary before rotating, s (SPEC: 60). */
  jitter: number;
  /** badge_time persistence period, s. */
  save: number;
}

export const BADGE_TUNING: BadgeTuning = { adv: 500, jitter: 60, save: 3600 };

const ZERO8 = new Uint8Array(8);

function swBytes(code: number): Uint8Array {
  return new Uint8Array([code >> 8, code & 255]);
}

function isSelectBw(c: Uint8Array): boolean {
  if (c.length < 5 + AID.length || c[0] !== 0 || c[1] !== 0xa4 || c[2] !== 4 || c[4] !== AID.length)
    return false;
  for (let i = 0; i < AID.length; i++) if (c[5 + i] !== AID[i]) return false;
  return true;
}

export class Badge {
  p: BadgePorts;
  t: BadgeTuning;
  kid: Uint8Array;
  ktap: Uint8Array;
  cid: number;
  /** badge_time at boot, and the monotonic clock then. */
  base: number;
  boot: number;
  ctr: number;
  slot: number;
  eph: Uint8Array;
  selected: boolean;
  dep: IsoDep;

  constructor(p: BadgePorts, t: BadgeTuning, kid: Uint8Array, ktap: Uint8Array, cid: number) {
    this.p = p;
    this.t = t;
    this.kid = kid;
    this.ktap = ktap;
    this.cid = cid;
    const clk = p.flash.readJSON(CLOCK_FILE, true) as { t: number } | undefined;
    const c = p.flash.readJSON(CTR_FILE, true) as { c: number } | undefined;
    this.base = clk && clk.t >= 0 ? clk.t : 0;
    this.boot = p.clock.now();
    this.ctr = c && c.c >= 0 ? c.c : 0;
    this.slot = -1;
    this.eph = new Uint8Array(16);
    this.selected = false;
    this.dep = new IsoDep((cmd: Uint8Array) => this.apdu(cmd));
  }

  /** Seconds since provisioning. */
  time(): number {
    return this.base + Math.floor((this.p.clock.now() - this.boot) / 1000);
  }

  rand(n: number): Uint8Array {
    const b = new Uint8Array(n);
    this.p.rnd.fill(b);
    return b;
  }

  /** EphID(slot) = AES(K_id, ephIdInput(slot)) (SPEC §10.3): the raw block call keeps the bundle small. */
  ephOf(slot: number): Uint8Array {
    return this.p.aes.ecb(this.kid, ephIdInput(slot));
  }

  /** New EphID and new random static address in one step. */
  rotate(): void {
    const slot = Math.floor(this.time() / SLOT_SECONDS);
    this.slot = slot;
    this.eph = this.ephOf(slot);
    const a = this.rand(6);
    // Random static address: the two most significant bits of the most significant byte are 1.
    a[0] = (a[0] as number) | 0xc0;
    this.p.radio.setAddress(a);
    this.p.radio.advertise(encodeAdvertisement(this.cid, this.eph), this.t.adv);
    const into = this.time() - slot * SLOT_SECONDS;
    const jitter = ((this.rand(1)[0] as number) * (this.t.jitter + 1)) >> 8;
    this.p.clock.setTimer((SLOT_SECONDS - into + jitter) * 1000, () => {
      this.rotate();
    });
  }

  saveClock(): void {
    this.p.flash.writeJSON(CLOCK_FILE, { t: this.time() });
  }

  /** A new field session: new random UID, nothing carried over from the last one. */
  field(on: boolean): void {
    this.selected = false;
    this.dep.reset();
    if (!on) this.p.tag.start(this.rand(7));
  }

  tap(hdr: number, chal: Uint8Array): Uint8Array {
    const next = this.ctr + 1;
    // Persist first: if this write fails the tap is refused rather than risking a repeated counter.
    if (!this.p.flash.writeJSON(CTR_FILE, { c: next })) return swBytes(SW_COND);
    this.ctr = next;
    // The EphID of the current slot, even if the jittered rotation has not happened yet.
    const slot = Math.floor(this.time() / SLOT_SECONDS);
    // The tap frame hdr ‖ EphID ‖ AES(K_tap, tapBlock) (SPEC §10.5, protocol encodeTap), followed by SW 90 00.
    const out = new Uint8Array(TAP_LENGTH + 2);
    out[0] = hdr;
    out.set(slot === this.slot ? this.eph : this.ephOf(slot), 1);
    out.set(this.p.aes.ecb(this.ktap, tapBlock(next, this.time(), chal)), 17);
    out[TAP_LENGTH] = 0x90;
    return out;
  }

  apdu(c: Uint8Array): Uint8Array {
    if (c.length < 4) return swBytes(SW_INS);
    if (c[0] === 0 && c[1] === 0xa4) {
      this.selected = isSelectBw(c);
      return swBytes(this.selected ? SW_OK : SW_NOT_FOUND);
    }
    if (c[0] !== 0x80) return swBytes(SW_CLA);
    if (!this.selected) return swBytes(SW_COND);
    if (c[1] === INS_CHALLENGE) {
      if (c[4] !== 8 || c.length < 13) return swBytes(0x6700);
      return this.tap(HDR_TAP_C, new Uint8Array(c.subarray(5, 13)));
    }
    if (c[1] === INS_READ) return this.tap(HDR_TAP_S, ZERO8);
    return swBytes(SW_INS);
  }

  start(): void {
    const tag = this.p.tag;
    tag.onRx((f: Uint8Array) => {
      const r = this.dep.frame(f);
      if (r) tag.send(r);
    });
    tag.onField((on: boolean) => {
      this.field(on);
    });
    tag.start(this.rand(7));
    this.rotate();
    this.p.clock.setTimer(this.t.save * 1000, () => {
      this.saveTick();
    });
  }

  saveTick(): void {
    this.saveClock();
    this.p.clock.setTimer(this.t.save * 1000, () => {
      this.saveTick();
    });
  }
}

/**
 * Starts the badge, or refuses (null) with a console message when unprovisioned. Identity is one binary
 * Storage record `bw.badge` written by the provisioning tool: K_id(16) ‖ K_tap(16) ‖ CID(2, LE).
 */
export function startBadge(p: BadgePorts, t: BadgeTuning): Badge | null {
  const ab = p.flash.readArrayBuffer(BADGE_FILE);
  const id = ab ? new Uint8Array(ab) : null;
  if (!id || id.length !== 34) {
    p.log('badgewire: badge is not provisioned (E601): no valid bw.badge in Storage.');
    return null;
  }
  const b = new Badge(
    p,
    t,
    new Uint8Array(id.subarray(0, 16)),
    new Uint8Array(id.subarray(16, 32)),
    (id[32] as number) | ((id[33] as number) << 8),
  );
  b.start();
  return b;
}
