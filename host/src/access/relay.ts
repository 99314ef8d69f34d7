/**
 * Relay detection: the same credential seen at two readers faster than a person can walk between them is
 * flagged (wire.md §9.1: the BLE EphID is replayable inside its window, so a relay shows up as an
 * impossible journey). Keyed by whatever the caller passes; pass the EphID hex, which rotates every slot,
 * so this keeps no stable identifier beyond `horizonMs`. Time injected.
 *
 * Time base: every `atMs` must be on the host clock. The engine passes the reader's uptime stamp mapped to
 * host time (./time-base: host receive time minus the reader's smallest observed delay), never two readers'
 * raw uptimes, which start at each reader's boot and cannot be compared with each other.
 */
export interface ReaderPosition {
  id: string;
  /** Metres in one venue coordinate system. */
  x: number;
  y: number;
  /** Readers in the same zone (one room, one booth) never flag each other: overlapping coverage is normal. */
  zone?: string;
}

export interface RelayFlag {
  key: string;
  readers: [string, string];
  distanceM: number;
  dtMs: number;
  speedMps: number;
}

interface Seen {
  reader: string;
  atMs: number;
}

export class RelayDetector {
  private readonly pos = new Map<string, ReaderPosition>();
  private readonly last = new Map<string, Seen>();
  private readonly maxSpeed: number;
  private readonly horizonMs: number;

  constructor(cfg: { readers: ReaderPosition[]; maxSpeedMps?: number; horizonMs?: number }) {
    for (const r of cfg.readers) this.pos.set(r.id, r);
    this.maxSpeed = cfg.maxSpeedMps ?? 7;
    this.horizonMs = cfg.horizonMs ?? 30_000;
  }

  /** Records a sighting; returns a flag when it and the previous one of `key` imply an impossible speed. */
  observe(key: string, readerId: string, atMs: number): RelayFlag | null {
    const prev = this.last.get(key);
    // A late-delivered (older) sighting is compared but does not replace a newer one as "last seen".
    if (prev === undefined || atMs >= prev.atMs) this.last.set(key, { reader: readerId, atMs: atMs });
    if (prev === undefined || prev.reader === readerId) return null;
    const dt = Math.abs(atMs - prev.atMs);
    if (dt > this.horizonMs) return null;
    const a = this.pos.get(prev.reader);
    const b = this.pos.get(readerId);
    if (a === undefined || b === undefined) return null;
    if (a.zone !== undefined && a.zone === b.zone) return null;
    const d = Math.hypot(a.x - b.x, a.y - b.y);
    const speed = d / Math.max(dt / 1000, 0.001);
    if (speed <= this.maxSpeed) return null;
    return { key: key, readers: [prev.reader, readerId], distanceM: d, dtMs: dt, speedMps: speed };
  }

  /** Forgets sightings older than the horizon (call periodically). */
  prune(nowMs: number): void {
    for (const [k, s] of this.last) if (nowMs - s.atMs > this.horizonMs) this.last.delete(k);
  }

  get tracked(): number {
    return this.last.size;
  }
}
