/**
 * The application messages a reader exchanges with the host, as the firmware sees them. Encoding is a port
 * (`MsgCodec`): the board wires the protocol's CBOR message codec (protocol/src/link/messages.ts) into it,
 * tests may wire any codec. Hot-object property names stay short (Espruino stores names ≤ 10 chars inline).
 */

// Type numbers: HEALTH and ACK follow the protocol's link session (HEARTBEAT 19, ACK 23, SPEC 30 §7); the
// others are the firmware's until protocol/src/link/messages.ts fixes them (then only these lines change).
export const M_SIGHTING = 16;
export const M_TAP = 17;
export const M_HEALTH = 19;
/** host → reader: events up to and including `seq` are durably journaled. */
export const M_ACK = 23;
/** host → reader: an authenticated access decision. */
export const M_DECISION = 20;
/** host → reader: a pool of single-use 8-byte challenges (concatenated). */
export const M_CHALLENGES = 21;

export const MODE_C = 1;
export const MODE_S = 2;
export const MODE_N = 3;

export interface AppMsg {
  t: number;
  /** Reader event sequence number (durable, strictly increasing across reboots). */
  seq?: number;
  /** Reader uptime in seconds when the event happened. */
  at?: number;
  eph?: Uint8Array;
  rssi?: number;
  mode?: number;
  /** Badge tap frame (mode C/S) or NDEF message (mode N): ciphertext only. */
  frame?: Uint8Array;
  chal?: Uint8Array;
  door?: number;
  allow?: boolean;
  /** Relay pulse length, ms (DECISION). */
  ms?: number;
  list?: Uint8Array;
  up?: number;
  free?: number;
  flags?: number;
  ver?: string;
  tamper?: boolean;
  /** Events waiting in the offline queue (HEALTH). */
  queued?: number;
}

export interface MsgCodec {
  encode(m: AppMsg): Uint8Array;
  /** null for anything that is not a well-formed message (never throws). */
  decode(b: Uint8Array): AppMsg | null;
}
