/**
 * What one call into a channel role produces (sans-I/O: the caller transmits `send` and acts on the rest).
 * Device-safe.
 */
import type { Fail } from '../errors';

export interface ChannelStep {
  /** Packets to transmit, in order. */
  send: Uint8Array[];
  /** The authenticated, decrypted body of a record, or null. */
  body: Uint8Array | null;
  /** True when this input completed a handshake: a new session is in use from now on. */
  up: boolean;
  /** The code of a received ALERT (an unauthenticated hint: never act on it beyond a rate-limited handshake). */
  alert: number;
  fail: Fail | null;
}

export function step(): ChannelStep {
  return { send: [], body: null, up: false, alert: 0, fail: null };
}

export function failed(s: ChannelStep, f: Fail): ChannelStep {
  s.fail = f;
  return s;
}

/** Defaults both roles use unless configured otherwise (spec 30-secure-channel §6). */
export const MAX_FAILS = 8;
/** The host renews at 24 h; a side refuses a session older than 25 h so a stuck host cannot stretch it. */
export const RENEW_AGE_MS = 24 * 3600 * 1000;
export const MAX_AGE_MS = 25 * 3600 * 1000;
