/**
 * The simulator's virtual clock: the only source of time for every simulated device, link and fault. Time moves
 * only when a test or the world calls `advance`/`runUntil`; nothing here sleeps or reads the wall clock, so a run
 * is deterministic and a day of venue traffic simulates in milliseconds.
 *
 * Timers fire in due-time order; timers due at the same instant fire in the order they were set. A callback may
 * set or clear timers, including ones due at the current instant (they fire in the same `advance`).
 */
import type { Clock } from '@badgewire/protocol';

interface Timer {
  id: number;
  due: number;
  seq: number;
  cb: () => void;
}

export interface VirtualClockOptions {
  /** Initial monotonic time in ms (default 0). */
  startMs?: number;
  /** Unix epoch in ms at monotonic time `startMs` (default 2026-01-01T00:00:00Z). */
  epochMs?: number;
}

export class VirtualClock implements Clock {
  private t: number;
  private epochBase: number;
  private timers: Timer[] = [];
  private nextId = 1;
  private seq = 0;
  /** Errors thrown by timer callbacks, in order; the clock keeps running (a device catches its own errors). */
  readonly errors: unknown[] = [];

  constructor(opts: VirtualClockOptions = {}) {
    this.t = opts.startMs ?? 0;
    this.epochBase = (opts.epochMs ?? Date.UTC(2026, 0, 1)) - this.t;
  }

  now(): number {
    return this.t;
  }

  /** Seconds since the Unix epoch (float), as the simulated world believes it. */
  epoch(): number {
    return (this.epochBase + this.t) / 1000;
  }

  /** Sets the believed wall time without moving monotonic time (for clock-skew faults). */
  setEpoch(seconds: number): void {
    this.epochBase = seconds * 1000 - this.t;
  }

  setTimer(ms: number, cb: () => void): number {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const id = this.nextId++;
    const timer: Timer = { id, due: this.t + delay, seq: this.seq++, cb };
    // Sorted insert keeps `advance` linear in the timers that actually fire.
    let i = this.timers.length;
    while (i > 0 && this.later(this.timers[i - 1] as Timer, timer)) i--;
    this.timers.splice(i, 0, timer);
    return id;
  }

  clearTimer(id: number): void {
    const i = this.timers.findIndex((t) => t.id === id);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** Due time (ms) of the next pending timer, or undefined when none. */
  nextDue(): number | undefined {
    return this.timers[0]?.due;
  }

  pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, each at its own due time. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot move the virtual clock by ${ms} ms`);
    this.runUntil(this.t + ms);
  }

  /** Fires timers due at or before `t` (in order), then sets the time to `t`. */
  runUntil(t: number): void {
    for (;;) {
      const next = this.timers[0];
      if (next === undefined || next.due > t) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.due);
      try {
        next.cb();
      } catch (e) {
        this.errors.push(e);
      }
    }
    this.t = Math.max(this.t, t);
  }

  /**
   * Runs until `done()` is true or `limitMs` of virtual time has passed, jumping from timer to timer.
   * Returns whether `done()` became true. Useful for "advance until the relay pulses".
   */
  runUntilTrue(done: () => boolean, limitMs: number): boolean {
    const end = this.t + limitMs;
    while (!done()) {
      const due = this.nextDue();
      if (due === undefined || due > end) {
        this.runUntil(end);
        return done();
      }
      this.runUntil(due);
    }
    return true;
  }

  private later(a: Timer, b: Timer): boolean {
    return a.due > b.due || (a.due === b.due && a.seq > b.seq);
  }
}
