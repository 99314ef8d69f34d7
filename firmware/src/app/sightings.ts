/**
 * BLE sightings: checks each advertisement is a badgewire presence frame (SPEC §10.4) and forwards it at most once per rotating ID per window, with its RSSI. The de-duplication
 * table holds only current EphIDs and forgets each after the window, so the reader never accumulates a
 * badge history: an EphID is already ciphertext and changes every slot. The table is bounded; when full,
 * the oldest entry goes. Frames weaker than the RSSI floor are ignored.
 */
import { HDR_PRESENCE } from '@badgewire/protocol/device';
import type { Advert } from '../ports';

/**
 * Offset of the EphID in raw AD bytes, or -1: walks the AD structures (Core Spec Vol 3 Part C §11) for the one
 * manufacturer-data structure of length 20 (CID, hdr 11, EphID). The host decodes the same bytes with the
 * protocol's decodeAdvertisement; this is the reader's cheap filter, not a second definition of the frame.
 */
export function ephOffset(ad: Uint8Array): number {
  let at = -1;
  let i = 0;
  while (i < ad.length && ad.length <= 31) {
    const len = ad[i] as number;
    if (len === 0) break;
    if (i + 1 + len > ad.length) return -1;
    if (ad[i + 1] === 0xff) {
      if (at >= 0 || len !== 20 || ad[i + 4] !== HDR_PRESENCE) return -1;
      at = i + 5;
    }
    i += 1 + len;
  }
  return at;
}

export class Sightings {
  win: number;
  max: number;
  floor: number;
  keys: string[];
  times: number[];

  constructor(windowMs: number, max: number) {
    this.win = windowMs;
    this.max = max;
    this.floor = -127;
    this.keys = [];
    this.times = [];
  }

  /** True when the advertisement is to be forwarded (a badge frame not yet forwarded inside the window). */
  accept(a: Advert, now: number): boolean {
    const at = ephOffset(a.data);
    if (at < 0 || a.rssi < this.floor) return false;
    // Forget expired entries first (the list is in arrival order, so they sit at the front).
    let k = 0;
    while (k < this.times.length && now - (this.times[k] as number) >= this.win) k++;
    if (k > 0) {
      this.keys.splice(0, k);
      this.times.splice(0, k);
    }
    let key = '';
    for (let i = at; i < at + 16; i++) key += String.fromCharCode(a.data[i] as number);
    if (this.keys.indexOf(key) >= 0) return false;
    if (this.keys.length >= this.max) {
      this.keys.shift();
      this.times.shift();
    }
    this.keys.push(key);
    this.times.push(now);
    return true;
  }
}
