/**
 * Virtual badges built on the protocol's pure builders (thousands of them; the real badge bundle runs in the
 * Espruino runtime only in the firmware tests): MCU badges rotate an EphID per 256 s slot of their own clock
 * (offset, drift, per-slot switch jitter, a fresh random address per slot) and answer NFC taps with a
 * counter and an optional host challenge; passive NTAG 424 DNA tags answer with a SUN URL under Random ID.
 */
import {
  type Aes128,
  ascii,
  type BadgeKeys,
  cmac,
  encodeAdvertisement,
  encodeTap,
  ephId,
  HDR_TAP_C,
  HDR_TAP_S,
  macTruncate,
  SLOT_SECONDS,
  sunMacKey,
  toHex,
} from '@badgewire/protocol';

/** The company ID of the test deployment (the firmware's default scan filter). */
export const SIM_CID = 0xffff;
/** The AN10922 diversification suffix of the SUN file key (AID ‖ system identifier) for this deployment. */
export const SUN_SUFFIX = Uint8Array.of(0x10, 0x57, 0x42, 0x42, 0x57);
const NO_CHAL = new Uint8Array(8);
const ZERO_IV = new Uint8Array(16);

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export interface Emission {
  /** The 24-byte advertising data. */
  adv: Uint8Array;
  /** The random static address of this slot. */
  address: string;
  slot: number;
}

export class McuBadge {
  ctr = 0;
  /** Extra drift applied by a clock-skew fault (ppm), counted from host second `driftFromS`. */
  driftPpm = 0;
  driftFromS = 0;
  private cachedSlot = -1;
  private cached: Emission | null = null;

  constructor(
    private readonly aes: Aes128,
    readonly keys: BadgeKeys,
    /** badge_time - host_time at host time 0 (seconds). */
    public offsetS: number,
    private readonly salt: number,
  ) {}

  badgeTime(hostS: number): number {
    return Math.floor(hostS + this.offsetS + ((hostS - this.driftFromS) * this.driftPpm) / 1e6);
  }

  /** The slot shown at this host second: the switch happens 0..59 s after the boundary (per-slot jitter). */
  slotAt(hostS: number): number {
    const bt = this.badgeTime(hostS);
    const s = Math.floor(bt / SLOT_SECONDS);
    return bt - s * SLOT_SECONDS < mix(this.salt, s) % 60 ? s - 1 : s;
  }

  emission(hostS: number): Emission {
    const slot = this.slotAt(hostS);
    if (slot !== this.cachedSlot || !this.cached) {
      const a = mix(this.salt ^ 0x5a5a, slot);
      const b = mix(a, slot);
      const address = [
        (a & 255) | 0xc0,
        (a >>> 8) & 255,
        (a >>> 16) & 255,
        a >>> 24,
        b & 255,
        (b >>> 8) & 255,
      ]
        .map((x) => x.toString(16).padStart(2, '0'))
        .join(':');
      this.cached = {
        adv: encodeAdvertisement(SIM_CID, ephId(this.aes, this.keys.kId, slot)),
        address,
        slot,
      };
      this.cachedSlot = slot;
    }
    return this.cached;
  }

  /** A tap frame: mode C with the reader's relayed challenge, mode S without one. */
  tap(hostS: number, chal: Uint8Array | null): Uint8Array {
    this.ctr++;
    // The tap's EphID is the one of the slot its badge time falls in (no switch jitter on a tap).
    const bt = this.badgeTime(hostS);
    const eph = ephId(this.aes, this.keys.kId, Math.floor(bt / SLOT_SECONDS));
    return encodeTap(
      this.aes,
      this.keys.kTap,
      eph,
      chal ? HDR_TAP_C : HDR_TAP_S,
      this.ctr,
      bt,
      chal ?? NO_CHAL,
    );
  }
}

/** A passive NTAG 424 DNA tag with SUN mirroring and Random ID: the reader never sees its real UID. */
export class SunTag {
  ctr = 0;
  constructor(
    private readonly aes: Aes128,
    private readonly uid: Uint8Array,
    private readonly metaRead: Uint8Array,
    private readonly fileKey: Uint8Array,
    private readonly rnd: () => number,
  ) {}

  /** The NDEF URI the tag mirrors on this read (ASCII bytes), as the reader forwards it. */
  tap(): Uint8Array {
    this.ctr++;
    const ctrLe = Uint8Array.of(this.ctr & 255, (this.ctr >>> 8) & 255, (this.ctr >>> 16) & 255);
    const plain = new Uint8Array(16);
    plain[0] = 0xc7;
    plain.set(this.uid, 1);
    plain.set(ctrLe, 8);
    for (let i = 11; i < 16; i++) plain[i] = Math.floor(this.rnd() * 256);
    const picc = this.aes.cbc(this.metaRead, ZERO_IV, plain);
    const mac = macTruncate(
      cmac(this.aes, sunMacKey(this.aes, this.fileKey, this.uid, ctrLe), new Uint8Array(0)),
    );
    return ascii(`https://bw.example/t?e=${toHex(picc).toUpperCase()}&c=${toHex(mac).toUpperCase()}`);
  }
}
