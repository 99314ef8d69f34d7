/**
 * The bridge machine as its own reader: badge advertisements from the host's BLE adapter become SIGHTING
 * events for the decision engine, as a remote reader's would. A badge advertises several times a second;
 * the same advertisement (same EphID) is passed on at most once per `dedupMs`, like the reader firmware
 * does. Event seqs are the receive time in ms times 1000 plus a counter: strictly increasing and
 * unique across bridge restarts, because the journal keys rows by reader id and seq. Nothing here outlives
 * `dedupMs` per advertisement, and an EphID rotates every slot, so no stable badge id is kept.
 */
import { type SightingMsg, toHex } from '@badgewire/protocol';
import type { BadgeAdvert } from '../transport/index';
import type { HubEvent } from './hub';

const AD_MANUFACTURER = 0xff;

export class LocalScanReader {
  private readonly seen = new Map<string, number>();
  private lastSeq = 0;
  private readonly t0: number;
  /** Advertisements passed on and dropped as repeats. */
  forwarded = 0;
  repeats = 0;

  constructor(
    readonly readerId: string,
    readonly tenant: string,
    private readonly onEvent: (ev: HubEvent) => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly dedupMs = 2000,
    now: () => number = Date.now,
  ) {
    this.t0 = now();
  }

  advert(a: BadgeAdvert): void {
    const md = a.manufacturerData;
    if (md.length === 0 || md.length > 29) return;
    const key = toHex(md);
    const last = this.seen.get(key);
    if (last !== undefined && a.at - last < this.dedupMs) {
      this.repeats++;
      return;
    }
    this.seen.set(key, a.at);
    if (this.seen.size > 4096) this.prune(a.at);
    // The advertisement as AD structures, as a remote reader reports it: one manufacturer-specific field.
    const adv = new Uint8Array(md.length + 2);
    adv[0] = md.length + 1;
    adv[1] = AD_MANUFACTURER;
    adv.set(md, 2);
    const seq = Math.max(this.lastSeq + 1, a.at * 1000);
    this.lastSeq = seq;
    const msg: SightingMsg = { type: 16, seq, adv, rssi: a.rssi, uptimeMs: Math.max(0, a.at - this.t0) };
    this.forwarded++;
    this.onEvent({ readerId: this.readerId, tenant: this.tenant, seq, msg }).catch(this.onError);
  }

  private prune(now: number): void {
    for (const [k, t] of this.seen) if (now - t >= this.dedupMs) this.seen.delete(k);
  }
}
