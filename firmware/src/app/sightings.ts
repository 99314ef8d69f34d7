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
  let len = 0;
  for (let i = 0; i < ad.length && (len = ad[i] as number); i += len + 1) {
    // A structure past the end, or AD longer than a legacy advertisement (31 bytes), is not a badge frame.
    if (i + len >= ad.length || ad.length > 31) return -1;
    if (ad[i + 1] === 0xff) {
      if (at >= 0 || len !== 20 || ad[i + 4] !== HDR_PRESENCE) return -1;
      at = i + 5;
    }
  }
  return at;
}

/** The de-duplication table (a closure, not a class: locals minify, `this.x` does not, issue #4). */
export interface Sightings {
  /**
   * De-dup window, ms, and RSSI floor, dBm: the host's CONFIG may change both. `lo`, not `floor`: a built-in's
   * member name keeps its spelling in the bundle.
   */
  win: number;
  lo: number;
  /** The EphIDs forwarded inside the window, oldest first (at most `max`). */
  keys: string[];
  /** True when the advertisement is to be forwarded (a badge frame not yet forwarded inside the window). */
  accept(a: Advert, now: number): boolean;
}

export function sightings(windowMs: number, max: number): Sightings {
  const keys: string[] = [];
  const times: number[] = [];
  const me = { win: windowMs, lo: -127, keys: keys } as Sightings;
  const drop = (): void => {
    keys.shift();
    times.shift();
  };
  me.accept = (a: Advert, now: number) => {
    const at = ephOffset(a.data);
    if (at < 0 || a.rssi < me.lo) return false;
    // Forget expired entries first (the list is in arrival order, so they sit at the front).
    while (times.length && now - (times[0] as number) >= me.win) drop();
    // The EphID's 16 bytes as a string key (indexOf compares strings by value).
    const key = String.fromCharCode.apply(0, a.data.subarray(at, at + 16) as unknown as number[]);
    if (keys.indexOf(key) >= 0) return false;
    if (keys.length >= max) drop();
    keys.push(key);
    times.push(now);
    return true;
  };
  return me;
}

/** `new Sightings(windowMs, max)`: the same table for callers that construct it (the simulator's reader). */
export const Sightings = sightings as unknown as new (windowMs: number, max: number) => Sightings;
