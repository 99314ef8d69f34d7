/**
 * Door access decisions (pure, time injected). An attendee ref is entitled to zones and/or individual doors,
 * optionally only inside time windows; a door leads from one zone (or the public outside) into another and
 * may be entry-only, exit-only or both; anti-passback is off, soft (allow, amber, flagged) or hard (deny).
 * The decision carries what the reader does: relay pulse length, LED colour and buzzer pattern.
 *
 * Refs are opaque host references: nothing here knows a name, and nothing is written anywhere.
 */
import {
  E_BADGE_CHALLENGE,
  E_BADGE_CLOCK,
  E_BADGE_REPLAY,
  E_BADGE_REVOKED,
  E_BADGE_UNKNOWN,
} from '@badgewire/protocol';

export type Direction = 'in' | 'out';
export type AntiPassback = 'off' | 'soft' | 'hard';

export interface DoorPolicy {
  id: string;
  /** The zone the door leads into. */
  zone: string;
  /** The zone on the other side; null or absent = outside every zone. */
  from?: string | null;
  mode: 'entry' | 'exit' | 'both';
  relayMs?: number;
}

export interface TimeWindow {
  fromS: number;
  untilS: number;
}

export interface Entitlement {
  zones: string[];
  doors?: string[];
  /** When present, access is granted only inside one of these windows (host seconds, [from, until)). */
  windows?: TimeWindow[];
}

export type Reason =
  | 'granted'
  | 'granted-passback'
  | 'unknown-door'
  | 'wrong-direction'
  | 'unknown-badge'
  | 'revoked'
  | 'no-entitlement'
  | 'outside-window'
  | 'anti-passback'
  | 'replay'
  | 'challenge'
  | 'clock'
  | 'invalid-credential';

export interface Decision {
  allow: boolean;
  reason: Reason;
  relayMs: number;
  led: 'green' | 'amber' | 'red';
  buzzer: 'none' | 'short' | 'long';
}

export interface PolicyConfig {
  doors: DoorPolicy[];
  antiPassback: AntiPassback;
  defaultRelayMs?: number;
}

function deny(reason: Reason): Decision {
  return { allow: false, reason: reason, relayMs: 0, led: 'red', buzzer: 'long' };
}

export class AccessPolicy {
  private readonly doors = new Map<string, DoorPolicy>();
  private readonly entitlements = new Map<string, Entitlement>();
  private readonly revoked = new Set<string>();
  /** Last zone each ref entered through a door (anti-passback); null = outside. */
  private readonly location = new Map<string, string | null>();
  private readonly apb: AntiPassback;
  private readonly relayMs: number;

  constructor(cfg: PolicyConfig) {
    for (const d of cfg.doors) this.doors.set(d.id, d);
    this.apb = cfg.antiPassback;
    this.relayMs = cfg.defaultRelayMs ?? 3000;
  }

  setEntitlement(ref: string, e: Entitlement): void {
    this.entitlements.set(ref, e);
  }
  removeEntitlement(ref: string): void {
    this.entitlements.delete(ref);
    this.location.delete(ref);
  }
  revoke(ref: string): void {
    this.revoked.add(ref);
  }
  reinstate(ref: string): void {
    this.revoked.delete(ref);
  }
  locationOf(ref: string): string | null {
    return this.location.get(ref) ?? null;
  }

  /** The decision for a verified credential; a granted passage updates the ref's location. */
  decide(ref: string, doorId: string, dir: Direction, nowS: number): Decision {
    const door = this.doors.get(doorId);
    if (door === undefined) return deny('unknown-door');
    if ((dir === 'in' && door.mode === 'exit') || (dir === 'out' && door.mode === 'entry'))
      return deny('wrong-direction');
    if (this.revoked.has(ref)) return deny('revoked');
    const e = this.entitlements.get(ref);
    if (e === undefined) return deny('unknown-badge');
    const target = dir === 'in' ? door.zone : (door.from ?? null);
    if (dir === 'in' && !e.zones.includes(door.zone) && !(e.doors ?? []).includes(door.id))
      return deny('no-entitlement');
    if (e.windows !== undefined && !e.windows.some((w) => nowS >= w.fromS && nowS < w.untilS))
      return deny('outside-window');
    let passback = false;
    if (this.apb !== 'off' && this.location.has(ref)) {
      const here = this.location.get(ref) ?? null;
      passback = dir === 'in' ? here === door.zone : here !== door.zone;
    }
    if (passback && this.apb === 'hard') return deny('anti-passback');
    this.location.set(ref, target);
    const relay = door.relayMs ?? this.relayMs;
    return passback
      ? { allow: true, reason: 'granted-passback', relayMs: relay, led: 'amber', buzzer: 'short' }
      : { allow: true, reason: 'granted', relayMs: relay, led: 'green', buzzer: 'short' };
  }

  /** The decision when the credential itself failed verification (a protocol error code). */
  denyCredential(code: number): Decision {
    if (code === E_BADGE_REVOKED) return deny('revoked');
    if (code === E_BADGE_UNKNOWN) return deny('unknown-badge');
    if (code === E_BADGE_REPLAY) return deny('replay');
    if (code === E_BADGE_CHALLENGE) return deny('challenge');
    if (code === E_BADGE_CLOCK) return deny('clock');
    return deny('invalid-credential');
  }
}
