/** What the simulated host counts (codes and counts only, never payload), and the decision wire codes. */

export const REASON_CODES: Record<string, number> = {
  granted: 0,
  'granted-passback': 1,
  'unknown-door': 10,
  'wrong-direction': 11,
  'unknown-badge': 12,
  revoked: 13,
  'no-entitlement': 14,
  'outside-window': 15,
  'anti-passback': 16,
  replay: 17,
  challenge: 18,
  clock: 19,
  'invalid-credential': 20,
};
export const LED = { green: 1, amber: 2, red: 3 } as const;
export const BUZZER = { none: 0, short: 1, long: 2 } as const;

/** Counters the world reads; codes and counts only. */
export interface HostStats {
  sightings: number;
  resolved: number;
  unresolved: Record<string, number>;
  taps: number;
  allow: number;
  deny: number;
  denyReasons: Record<string, number>;
  tapRefusals: Record<string, number>;
  leads: number;
  presenceEnter: number;
  presenceIntervals: number;
  relayFlags: number;
  linkFaults: Record<string, number>;
  journaled: number;
  /** Events accepted from a reader after its key was revoked: must stay 0. */
  fromRevoked: number;
  /** Decisions over time: [host second, allow]. */
  decisionLog: [number, boolean][];
}

export function emptyHostStats(): HostStats {
  return {
    sightings: 0,
    resolved: 0,
    unresolved: {},
    taps: 0,
    allow: 0,
    deny: 0,
    denyReasons: {},
    tapRefusals: {},
    leads: 0,
    presenceEnter: 0,
    presenceIntervals: 0,
    relayFlags: 0,
    linkFaults: {},
    journaled: 0,
    fromRevoked: 0,
    decisionLog: [],
  };
}

export function bump(r: Record<string, number>, k: string): void {
  r[k] = (r[k] ?? 0) + 1;
}
