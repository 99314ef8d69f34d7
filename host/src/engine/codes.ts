/**
 * How an AccessPolicy decision travels to a reader: DECISION fields are small integers (SPEC messages), so the
 * policy's reason, LED colour and buzzer pattern are numbered here. The numbering matches the simulator's host,
 * so a reader trace reads the same whichever host produced it.
 */
import type { Decision, Reason } from '../access/index';

export const REASON_CODES: Record<Reason, number> = {
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

export const LED_CODES = { green: 1, amber: 2, red: 3 } as const;
export const BUZZER_CODES = { none: 0, short: 1, long: 2 } as const;

export interface DecisionFields {
  tapSeq: number;
  allow: boolean;
  relayMs: number;
  led: number;
  buzzer: number;
  reason: number;
}

export function decisionFields(tapSeq: number, d: Decision): DecisionFields {
  return {
    tapSeq,
    allow: d.allow,
    relayMs: d.allow ? d.relayMs : 0,
    led: LED_CODES[d.led],
    buzzer: BUZZER_CODES[d.buzzer],
    reason: REASON_CODES[d.reason],
  };
}

/** A booth reader's answer: no door to open, just a green "captured" (or the refusal's red). */
export const CAPTURED: Decision = {
  allow: true,
  reason: 'granted',
  relayMs: 0,
  led: 'green',
  buzzer: 'short',
};
