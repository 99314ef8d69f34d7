/** What the simulated host counts (codes and counts only, never payload), and the decision wire codes. */

// The decision wire codes are the bridge's own (host/src/engine/codes.ts): one numbering for every host.
export { BUZZER_CODES as BUZZER, LED_CODES as LED, REASON_CODES } from '@badgewire/host';

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
