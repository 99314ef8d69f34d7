/**
 * BLE sightings: parses the badge's manufacturer data (CID ‖ hdr 11 ‖ EphID, SPEC §10.4) and forwards each
 * rotating ID at most once per window, with its RSSI. The de-duplication table holds only current EphIDs
 * and forgets each after the window, so the reader never accumulates a badge history: an EphID is already
 * ciphertext and changes every slot. The table is bounded; when full, the oldest entry goes.
 */
import { HDR_PRESENCE } from '@badgewire/protocol/device';
import type { Advert } from '../ports';

const MFR_LEN = 19;

export class Sightings {
  win: number;
  max: number;
  keys: string[];
  times: number[];
  seen: number;
  dropped: number;

  constructor(windowMs: number, max: number) {
    this.win = windowMs;
    this.max = max;
    this.keys = [];
    this.times = [];
    this.seen = 0;
    this.dropped = 0;
  }

  /** The EphID to forward, or null (not a badge frame, or already forwarded inside the window). */
  accept(a: Advert, now: number): Uint8Array | null {
    const d = a.data;
    if (d.length !== MFR_LEN || d[2] !== HDR_PRESENCE) {
      this.dropped++;
      return null;
    }
    this.seen++;
    // Forget expired entries first (the list is in arrival order, so they sit at the front).
    let k = 0;
    while (k < this.times.length && now - (this.times[k] as number) >= this.win) k++;
    if (k > 0) {
      this.keys.splice(0, k);
      this.times.splice(0, k);
    }
    let key = '';
    for (let i = 3; i < MFR_LEN; i++) key += String.fromCharCode(d[i] as number);
    if (this.keys.indexOf(key) >= 0) return null;
    if (this.keys.length >= this.max) {
      this.keys.shift();
      this.times.shift();
    }
    this.keys.push(key);
    this.times.push(now);
    return new Uint8Array(d.subarray(3, MFR_LEN));
  }
}
