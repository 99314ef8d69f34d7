/**
 * Revocations that take effect later (`effectiveAt` in the future: a badge reported lost that stays valid
 * until the end of the day, a staff badge that expires at a shift change). A due revocation applies at once;
 * a future one is armed on the bridge's Clock, so tests drive it in virtual time, and it is re-armed from the
 * stored updates on every start (a timer does not survive a restart, the sealed row does).
 *
 * `effectiveAt` is wall time (ms since the epoch) while Clock timers count monotonic ms, so the delay is taken
 * from `now()` at arming; a long delay is armed in steps of at most one day and re-measured against `now()` at
 * each step, so a wall-clock correction while waiting (NTP step) moves the deadline instead of missing it.
 *
 * A revocation never moves later: a second update for the same badge keeps the earlier `effectiveAt` (the
 * store keeps one row per badge, so the caller stores what `add` returns, and a restart cannot un-revoke).
 */
import type { Clock } from '@badgewire/protocol';

/** Longest single timer: well below the 2^31 - 1 ms at which Node fires a timer at once. */
const STEP_MS = 86_400_000;

export interface Scheduled {
  state: 'applied' | 'scheduled';
  /** The effective time in force for this badge: the earliest one ever given. */
  effectiveAt: number;
}

export class RevocationSchedule {
  private readonly pending = new Map<string, number>();
  private readonly earliest = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly clock: Pick<Clock, 'setTimer' | 'clearTimer'>,
    /** Wall time, ms since the epoch (the same base as `effectiveAt`). */
    private readonly now: () => number,
    private readonly apply: (tenant: string, ref: string) => void,
  ) {}

  /** Applies the revocation now if it is due, else arms it (re-armed if an update brings it forward). */
  add(tenant: string, ref: string, effectiveAt: number): Scheduled {
    const key = `${tenant}\u0000${ref}`;
    const at = Math.min(effectiveAt, this.earliest.get(key) ?? Number.POSITIVE_INFINITY);
    this.earliest.set(key, at);
    this.cancel(key);
    if (this.closed) return { state: 'scheduled', effectiveAt: at };
    if (at <= this.now()) {
      this.apply(tenant, ref);
      return { state: 'applied', effectiveAt: at };
    }
    this.arm(key, tenant, ref, at);
    return { state: 'scheduled', effectiveAt: at };
  }

  /** The effective time `add` would keep for this update, without applying or arming anything. */
  peek(tenant: string, ref: string, effectiveAt: number): number {
    return Math.min(effectiveAt, this.earliest.get(`${tenant}\u0000${ref}`) ?? Number.POSITIVE_INFINITY);
  }

  /** Revocations armed and not yet applied. */
  get size(): number {
    return this.pending.size;
  }

  /** Disarms everything (bridge stop); the stored updates re-arm them on the next start. */
  close(): void {
    this.closed = true;
    for (const key of [...this.pending.keys()]) this.cancel(key);
  }

  private arm(key: string, tenant: string, ref: string, effectiveAt: number): void {
    const wait = Math.min(STEP_MS, Math.max(0, effectiveAt - this.now()));
    const id = this.clock.setTimer(wait, () => {
      this.pending.delete(key);
      if (this.closed) return;
      if (effectiveAt <= this.now()) this.apply(tenant, ref);
      else this.arm(key, tenant, ref, effectiveAt);
    });
    this.pending.set(key, id);
  }

  private cancel(key: string): void {
    const id = this.pending.get(key);
    if (id === undefined) return;
    this.clock.clearTimer(id);
    this.pending.delete(key);
  }
}
