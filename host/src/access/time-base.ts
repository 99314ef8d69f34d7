/**
 * One time base for comparing readers: each reader stamps a sighting with its own uptime (ms since boot), and
 * this maps that uptime onto the host clock. Per reader it keeps offset = host receive time - uptime, taking
 * the smallest seen (a message can only arrive late, never early, so the smallest is the closest to the true
 * offset), let grow by a drift allowance so a slow reader crystal is followed, and restarted when the uptime
 * goes backwards (the reader rebooted). A sighting that waited in a reader's outbox through a link outage
 * therefore keeps the time it was seen, not the time it was delivered: relay detection compares when a
 * credential was at two readers, and a backlog flushed on reconnect does not look like an impossible journey.
 * A mapped time is never later than its receive time.
 */
export interface TimeBaseOptions {
  /** Allowed clock drift between a reader and the host, parts per million of elapsed host time. */
  driftPpm?: number;
  /** Uptime going back by more than this means the reader rebooted. */
  rebootSlackMs?: number;
}

interface ReaderClock {
  offset: number;
  lastUptime: number;
  lastHost: number;
}

export class ReaderTimeBase {
  private readonly clocks = new Map<string, ReaderClock>();
  private readonly drift: number;
  private readonly slack: number;

  constructor(o: TimeBaseOptions = {}) {
    this.drift = (o.driftPpm ?? 100) / 1e6;
    this.slack = o.rebootSlackMs ?? 1000;
  }

  /** Host time (ms since the epoch) at which `readerId` saw something it stamped `uptimeMs`. */
  map(readerId: string, uptimeMs: number, receivedMs: number): number {
    if (!Number.isFinite(uptimeMs) || uptimeMs < 0) return receivedMs;
    const candidate = receivedMs - uptimeMs;
    const c = this.clocks.get(readerId);
    if (!c || uptimeMs < c.lastUptime - this.slack) {
      this.clocks.set(readerId, { offset: candidate, lastUptime: uptimeMs, lastHost: receivedMs });
      return receivedMs;
    }
    const allowance = Math.max(0, receivedMs - c.lastHost) * this.drift;
    c.offset = Math.min(candidate, c.offset + allowance);
    c.lastUptime = Math.max(c.lastUptime, uptimeMs);
    c.lastHost = Math.max(c.lastHost, receivedMs);
    return Math.min(receivedMs, Math.round(uptimeMs + c.offset));
  }
}
