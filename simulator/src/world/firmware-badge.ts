/**
 * Badges as a real reader meets them. A sample of badges runs the real badge bundle (firmware/src/board/
 * run-badge, built for the Puck.js) in the Espruino runtime on the world's clock: the bundle rotates its own
 * EphID and address, and the air carries exactly what it advertises. Provisioned like the tool does it:
 * `bw.badge` = K_id ‖ K_tap ‖ CID (LE) and `bw.clk` = the badge time to start from. The rest of the crowd uses
 * the protocol builders (badges.ts); `credentialTag` puts any of them in a PN532's field (apdu.ts has the
 * commands): the badgewire applet, or the NFC Forum Type 4 NDEF read of a passive SUN tag.
 */
import { buildFirmware } from '@badgewire/firmware/build';
import type { BadgeKeys } from '@badgewire/protocol';
import type { VirtualTag } from '../chips/pn532';
import type { VirtualClock } from '../clock';
import { EspruinoDevice } from '../espruino/index';
import { type McuBadge, SIM_CID } from './badges';

const SW_OK = [0x90, 0x00];
const SW_NOT_FOUND = [0x6a, 0x82];
const NDEF_APP = [0xd2, 0x76, 0, 0, 0x85, 1, 1];
const BW_AID = [0xf0, 0x42, 0x57, 0x54, 0x41, 0x50];

function starts(a: Uint8Array, head: number[], at = 0): boolean {
  return head.every((b, i) => a[at + i] === b);
}

function withSw(data: Uint8Array | number[], sw: number[]): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data);
  out.set(sw, data.length);
  return out;
}

export interface CredentialTagOptions {
  /** An MCU badge answers live (its counter and clock at the read, the reader's challenge). */
  badge: McuBadge | null;
  /** Without a badge: what a replay device sends to any read, or (sun) the NDEF message of a SUN tag. */
  frame: Uint8Array;
  sun: boolean;
  /** The anti-collision UID the PN532 reports. */
  uid: Uint8Array;
  clock: VirtualClock;
  /** Called when the tag has handed over its credential (the reader's last read of it). */
  answered(): void;
}

/** A contactless credential for the PN532 emulator's field (ISO 14443-4). */
export function credentialTag(o: CredentialTagOptions): VirtualTag {
  // The NDEF file: NLEN (big-endian) then the message the tag mirrors.
  const nfile = o.sun ? new Uint8Array(o.frame.length + 2) : null;
  if (nfile) {
    nfile[0] = o.frame.length >> 8;
    nfile[1] = o.frame.length & 255;
    nfile.set(o.frame, 2);
  }
  return {
    uid: o.uid,
    isoDep: true,
    transceive: (apdu) => {
      if (starts(apdu, [0, 0xa4, 4, 0, 6]) && starts(apdu, BW_AID, 5))
        return withSw([], nfile ? SW_NOT_FOUND : SW_OK);
      if (nfile) {
        if (starts(apdu, [0, 0xa4, 4, 0, 7]) && starts(apdu, NDEF_APP, 5)) return withSw([], SW_OK);
        if (starts(apdu, [0, 0xa4, 0, 0x0c, 2, 0xe1, 0x04])) return withSw([], SW_OK);
        if (starts(apdu, [0, 0xb0]) && apdu.length >= 5) {
          const off = ((apdu[2] as number) << 8) | (apdu[3] as number);
          const n = apdu[4] as number;
          if (off + n > 2) o.answered();
          return withSw(nfile.subarray(off, off + n), SW_OK);
        }
        return withSw([], SW_NOT_FOUND);
      }
      // 80 10 (CHALLENGE, 8 bytes) or 80 12 (READ): the 33-byte tap frame.
      if (apdu[0] !== 0x80 || (apdu[1] !== 0x10 && apdu[1] !== 0x12)) return withSw([], SW_NOT_FOUND);
      const chal = apdu[1] === 0x10 && apdu.length >= 13 ? new Uint8Array(apdu.subarray(5, 13)) : null;
      o.answered();
      return withSw(o.badge ? o.badge.tap(o.clock.epoch(), chal) : o.frame, SW_OK);
    },
  };
}

let bundle: Promise<string> | null = null;

/** The badge bundle, built once per process in memory (same gate as `badgewire build`). */
export function badgeBundle(): Promise<string> {
  if (!bundle)
    bundle = buildFirmware('puckjs', 'badge', { write: false }).then((r) => {
      if (!r.ok)
        throw new Error(`badge bundle refused by the firmware gate: ${r.violations.length} violations`);
      return r.code;
    });
  return bundle;
}

export class FirmwareBadge {
  readonly dev: EspruinoDevice;

  constructor(code: string, clock: VirtualClock, keys: BadgeKeys, badgeTimeS: number, seed: number) {
    // Known-good firmware: no per-callback wall-clock guard; JsVar estimates every 10 virtual minutes.
    this.dev = new EspruinoDevice({
      board: 'puckjs',
      clock,
      seed,
      guardMs: 0,
      memoryCheckMs: 600_000,
      memoryEstimateMs: 600_000,
    });
    this.dev.install(code);
    const id = new Uint8Array(34);
    id.set(keys.kId, 0);
    id.set(keys.kTap, 16);
    id[32] = SIM_CID & 255;
    id[33] = SIM_CID >>> 8;
    this.dev.storage.write('bw.badge', id);
    this.dev.storage.write('bw.clk', new TextEncoder().encode(JSON.stringify({ t: badgeTimeS })));
    this.dev.boot();
  }

  /** What the badge advertises right now (its data and address), or null when it is not advertising. */
  emission(): { adv: Uint8Array; address: string } | null {
    const a = this.dev.radio.advertising;
    const p = a?.packets[0];
    return p ? { adv: p, address: this.dev.radio.address } : null;
  }
}
