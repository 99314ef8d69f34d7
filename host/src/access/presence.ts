/**
 * Room presence from BLE sightings, with RSSI hysteresis: a ref enters a room on a sighting at or above
 * `enterDbm`; while inside, only sightings at or above the lower `leaveDbm` keep it there; it leaves when no
 * such sighting came for `timeoutMs` (the leave time is the last evidence, so dwell is not inflated by the
 * timeout) or when a strong sighting puts it in another room. One room per ref at a time. Time injected.
 */
export interface PresenceConfig {
  enterDbm?: number;
  leaveDbm?: number;
  timeoutMs?: number;
}

export type PresenceEvent =
  | { kind: 'enter'; ref: string; room: string; atMs: number }
  | { kind: 'leave'; ref: string; room: string; atMs: number; fromMs: number; dwellMs: number };

interface State {
  room: string;
  sinceMs: number;
  lastMs: number;
}

export class Presence {
  private readonly state = new Map<string, State>();
  private readonly enter: number;
  private readonly leave: number;
  private readonly timeout: number;

  constructor(cfg: PresenceConfig = {}) {
    this.enter = cfg.enterDbm ?? -70;
    this.leave = cfg.leaveDbm ?? -82;
    this.timeout = cfg.timeoutMs ?? 60_000;
    if (this.leave > this.enter) throw new RangeError('presence: leaveDbm must not exceed enterDbm');
  }

  sighting(ref: string, room: string, rssi: number, atMs: number): PresenceEvent[] {
    const s = this.state.get(ref);
    if (s !== undefined && s.room === room) {
      if (rssi >= this.leave && atMs > s.lastMs) s.lastMs = atMs;
      return [];
    }
    if (rssi < this.enter) return [];
    const out: PresenceEvent[] = [];
    if (s !== undefined) out.push(this.left(ref, s, s.lastMs));
    this.state.set(ref, { room: room, sinceMs: atMs, lastMs: atMs });
    out.push({ kind: 'enter', ref: ref, room: room, atMs: atMs });
    return out;
  }

  /** Emits leaves for refs not seen strongly enough for `timeoutMs`. Call every few seconds. */
  tick(nowMs: number): PresenceEvent[] {
    const out: PresenceEvent[] = [];
    for (const [ref, s] of this.state) {
      if (nowMs - s.lastMs > this.timeout) {
        this.state.delete(ref);
        out.push(this.left(ref, s, s.lastMs));
      }
    }
    return out;
  }

  roomOf(ref: string): string | null {
    return this.state.get(ref)?.room ?? null;
  }

  private left(ref: string, s: State, atMs: number): PresenceEvent {
    return {
      kind: 'leave',
      ref: ref,
      room: s.room,
      atMs: atMs,
      fromMs: s.sinceMs,
      dwellMs: atMs - s.sinceMs,
    };
  }
}
