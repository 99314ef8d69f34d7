import {
  E_BADGE_CHALLENGE,
  E_BADGE_FORGED,
  E_BADGE_REPLAY,
  E_BADGE_REVOKED,
  E_BADGE_UNKNOWN,
} from '@badgewire/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeadCapture } from '../src/access/leads';
import { AccessPolicy, type DoorPolicy } from '../src/access/policy';
import { Presence } from '../src/access/presence';
import { RelayDetector } from '../src/access/relay';
import { isBadgewireError } from '../src/errors';

const doors: DoorPolicy[] = [
  { id: 'main', zone: 'hall', from: null, mode: 'both' },
  { id: 'vip-in', zone: 'vip', from: 'hall', mode: 'entry', relayMs: 5000 },
  { id: 'vip-out', zone: 'vip', from: 'hall', mode: 'exit' },
  { id: 'store', zone: 'storage', from: 'hall', mode: 'both' },
];

describe('AccessPolicy', () => {
  const policy = (apb: 'off' | 'soft' | 'hard') => {
    const p = new AccessPolicy({ doors: doors, antiPassback: apb });
    p.setEntitlement('a1', { zones: ['hall', 'vip'] });
    p.setEntitlement('a2', { zones: ['hall'], doors: ['store'], windows: [{ fromS: 1000, untilS: 2000 }] });
    return p;
  };

  it('grants entitled zones with the door relay time, green LED and a short beep', () => {
    const p = policy('off');
    expect(p.decide('a1', 'main', 'in', 1)).toEqual({
      allow: true,
      reason: 'granted',
      relayMs: 3000,
      led: 'green',
      buzzer: 'short',
    });
    expect(p.decide('a1', 'vip-in', 'in', 2)).toMatchObject({ allow: true, relayMs: 5000 });
    expect(p.locationOf('a1')).toBe('vip');
    expect(p.decide('a1', 'vip-out', 'out', 3).allow).toBe(true);
    expect(p.locationOf('a1')).toBe('hall');
  });

  it('denies with a reason: unknown door, wrong direction, unknown badge, no entitlement, revoked', () => {
    const p = policy('off');
    const red = { allow: false, relayMs: 0, led: 'red', buzzer: 'long' };
    expect(p.decide('a1', 'nope', 'in', 1)).toEqual({ ...red, reason: 'unknown-door' });
    expect(p.decide('a1', 'vip-in', 'out', 1)).toEqual({ ...red, reason: 'wrong-direction' });
    expect(p.decide('a1', 'vip-out', 'in', 1)).toEqual({ ...red, reason: 'wrong-direction' });
    expect(p.decide('zz', 'main', 'in', 1)).toEqual({ ...red, reason: 'unknown-badge' });
    expect(p.decide('a2', 'vip-in', 'in', 1500)).toEqual({ ...red, reason: 'no-entitlement' });
    p.revoke('a1');
    expect(p.decide('a1', 'main', 'in', 1)).toEqual({ ...red, reason: 'revoked' });
    p.reinstate('a1');
    expect(p.decide('a1', 'main', 'in', 1).allow).toBe(true);
  });

  it('honours time windows [from, until) and per-door grants', () => {
    const p = policy('off');
    expect(p.decide('a2', 'store', 'in', 999).reason).toBe('outside-window');
    expect(p.decide('a2', 'store', 'in', 1000).allow).toBe(true);
    expect(p.decide('a2', 'main', 'in', 1999).allow).toBe(true);
    expect(p.decide('a2', 'main', 'in', 2000).reason).toBe('outside-window');
  });

  it('anti-passback: hard denies a second entry and an exit without entry; soft allows with amber', () => {
    const hard = policy('hard');
    expect(hard.decide('a1', 'main', 'in', 1).allow).toBe(true);
    expect(hard.decide('a1', 'main', 'in', 2).reason).toBe('anti-passback');
    expect(hard.decide('a1', 'main', 'out', 3).allow).toBe(true);
    expect(hard.decide('a1', 'main', 'out', 4).reason).toBe('anti-passback');
    const soft = policy('soft');
    soft.decide('a1', 'main', 'in', 1);
    expect(soft.decide('a1', 'main', 'in', 2)).toEqual({
      allow: true,
      reason: 'granted-passback',
      relayMs: 3000,
      led: 'amber',
      buzzer: 'short',
    });
    const off = policy('off');
    off.decide('a1', 'main', 'in', 1);
    expect(off.decide('a1', 'main', 'in', 2).reason).toBe('granted');
  });

  it('maps credential failures to denials', () => {
    const p = policy('off');
    expect(p.denyCredential(E_BADGE_REVOKED).reason).toBe('revoked');
    expect(p.denyCredential(E_BADGE_UNKNOWN).reason).toBe('unknown-badge');
    expect(p.denyCredential(E_BADGE_REPLAY).reason).toBe('replay');
    expect(p.denyCredential(E_BADGE_CHALLENGE).reason).toBe('challenge');
    expect(p.denyCredential(E_BADGE_FORGED)).toEqual({
      allow: false,
      reason: 'invalid-credential',
      relayMs: 0,
      led: 'red',
      buzzer: 'long',
    });
  });

  it('never opens for a ref without an entitlement, whatever the sequence of requests', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('main', 'vip-in', 'vip-out', 'store'),
            fc.constantFrom('in', 'out') as fc.Arbitrary<'in' | 'out'>,
            fc.nat(5000),
          ),
          { maxLength: 30 },
        ),
        (reqs) => {
          const p = policy('hard');
          return reqs.every(([d, dir, t]) => !p.decide('stranger', d, dir, t).allow);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('RelayDetector', () => {
  const det = () =>
    new RelayDetector({
      readers: [
        { id: 'r1', x: 0, y: 0 },
        { id: 'r2', x: 3, y: 4 },
        { id: 'r3', x: 300, y: 400 },
        { id: 'hallA', x: 0, y: 100, zone: 'hall' },
        { id: 'hallB', x: 0, y: 180, zone: 'hall' },
      ],
      maxSpeedMps: 7,
      horizonMs: 30_000,
    });

  it('flags the same key at distant readers within seconds, not a walkable move', () => {
    const d = det();
    expect(d.observe('e1', 'r1', 0)).toBeNull();
    expect(d.observe('e1', 'r2', 2000)).toBeNull(); // 5 m in 2 s
    const f = d.observe('e1', 'r3', 4000); // ~495 m in 2 s
    expect(f).toMatchObject({ key: 'e1', readers: ['r2', 'r3'], dtMs: 2000 });
    expect(f?.distanceM).toBeCloseTo(495, 0);
    expect(d.observe('e2', 'r1', 0)).toBeNull();
    expect(d.observe('e2', 'r3', 100_000)).toBeNull(); // beyond the horizon
    expect(d.observe('e3', 'r1', 0)).toBeNull();
    expect(d.observe('e3', 'unknown', 10)).toBeNull();
  });

  it('never flags two readers of the same zone', () => {
    const d = det();
    d.observe('e9', 'hallA', 0);
    expect(d.observe('e9', 'hallB', 100)).toBeNull();
    expect(d.observe('e9', 'r1', 200)).not.toBeNull();
  });

  it('forgets keys after the horizon', () => {
    const d = det();
    d.observe('e1', 'r1', 0);
    d.observe('e2', 'r1', 20_000);
    d.prune(40_000);
    expect(d.tracked).toBe(1);
  });
});

describe('LeadCapture', () => {
  it('one lead per exhibitor and attendee, first time kept, qualifier updates reported', () => {
    const l = new LeadCapture();
    const a = l.capture('ex1', 'a1', 1000);
    expect(a).toEqual({
      event: { exhibitor: 'ex1', attendeeRef: 'a1', atMs: 1000, qualifier: null },
      fresh: true,
      updated: false,
    });
    expect(Object.keys(a.event).sort()).toEqual(['atMs', 'attendeeRef', 'exhibitor', 'qualifier']);
    expect(l.capture('ex1', 'a1', 2000)).toMatchObject({
      fresh: false,
      updated: false,
      event: { atMs: 1000 },
    });
    expect(l.capture('ex1', 'a1', 3000, 'hot')).toMatchObject({
      fresh: false,
      updated: true,
      event: { qualifier: 'hot', atMs: 1000 },
    });
    expect(l.capture('ex2', 'a1', 4000).fresh).toBe(true);
    expect(l.forExhibitor('ex1')).toHaveLength(1);
    expect(l.forExhibitor('ex2')).toHaveLength(1);
  });

  it('refuses free-text qualifiers', () => {
    const l = new LeadCapture();
    let err: unknown;
    try {
      l.capture('ex1', 'a1', 0, 'jane@example.com');
    } catch (e) {
      err = e;
    }
    expect(isBadgewireError(err, 'E_LEAD_QUALIFIER')).toBe(true);
    expect(String(err)).not.toContain('jane');
    expect(l.forExhibitor('ex1')).toHaveLength(0);
  });
});

describe('Presence', () => {
  it('enters on a strong sighting, stays through weaker ones (hysteresis), leaves at the last evidence', () => {
    const p = new Presence({ enterDbm: -70, leaveDbm: -82, timeoutMs: 60_000 });
    expect(p.sighting('a1', 'room1', -75, 0)).toEqual([]); // not strong enough to enter
    expect(p.sighting('a1', 'room1', -65, 1000)).toEqual([
      { kind: 'enter', ref: 'a1', room: 'room1', atMs: 1000 },
    ]);
    expect(p.sighting('a1', 'room1', -80, 50_000)).toEqual([]); // keeps presence
    expect(p.sighting('a1', 'room1', -90, 100_000)).toEqual([]); // too weak to refresh
    expect(p.tick(100_000)).toEqual([]);
    expect(p.tick(110_001)).toEqual([
      { kind: 'leave', ref: 'a1', room: 'room1', atMs: 50_000, fromMs: 1000, dwellMs: 49_000 },
    ]);
    expect(p.roomOf('a1')).toBeNull();
  });

  it('moves between rooms only on a strong sighting elsewhere', () => {
    const p = new Presence();
    p.sighting('a1', 'r1', -60, 0);
    expect(p.sighting('a1', 'r2', -75, 5000)).toEqual([]);
    expect(p.roomOf('a1')).toBe('r1');
    p.sighting('a1', 'r1', -60, 8000);
    expect(p.sighting('a1', 'r2', -60, 10_000)).toEqual([
      { kind: 'leave', ref: 'a1', room: 'r1', atMs: 8000, fromMs: 0, dwellMs: 8000 },
      { kind: 'enter', ref: 'a1', room: 'r2', atMs: 10_000 },
    ]);
  });

  it('dwell intervals never overlap and never run backwards for any sighting sequence', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom('r1', 'r2', 'r3'), fc.integer({ min: -100, max: -40 }), fc.nat(30_000)),
          { maxLength: 60 },
        ),
        (steps) => {
          const p = new Presence();
          let t = 0;
          const ev = [];
          for (const [room, rssi, dt] of steps) {
            t += dt;
            ev.push(...p.sighting('a', room, rssi, t), ...p.tick(t));
          }
          ev.push(...p.tick(t + 1e9));
          let lastLeave = -1;
          let inside = false;
          for (const e of ev) {
            if (e.kind === 'enter') {
              if (inside || e.atMs < lastLeave) return false;
              inside = true;
            } else {
              if (!inside || e.dwellMs < 0) return false;
              inside = false;
              lastLeave = e.atMs;
            }
          }
          return !inside;
        },
      ),
      { numRuns: 500 },
    );
  });
});
