/**
 * The badgewire link message set (SPEC.md, messages): typed views and the one field table both the encoder and
 * the validating decoder read. Every message is a CBOR map (cbor/mini.ts subset) with small unsigned keys;
 * key 0 is the type and key 1 the sequence number (0 = unsequenced, as the session layer numbers them).
 * Types 1-3 are the channel's binary handshake packets (HELLO, AUTH, CONFIRM) and are not messages.
 *
 * No field can carry personal data: badges appear only as rotating ciphertext (advertisement payloads, tap
 * frames, SUN NDEF), and readers never send an NFC anti-collision UID. Device-safe.
 */

export const MSG_SIGHTING = 16;
export const MSG_TAP = 17;
export const MSG_DECISION = 18;
export const MSG_HEARTBEAT = 19;
export const MSG_CONFIG = 20;
export const MSG_CHALLENGES = 21;
export const MSG_TIME = 22;
export const MSG_ACK = 23;
export const MSG_ERROR = 24;
export const MSG_REKEY = 25;

/** TAP kinds. */
export const TAP_CHALLENGE = 0;
export const TAP_COUNTER = 1;
export const TAP_SUN = 2;
/** CONFIG modes. */
export const MODE_DOOR = 0;
export const MODE_BOOTH = 1;
export const MODE_ROOM = 2;

/** reader -> host: a badge advertisement seen (count times within the de-dup window). */
export interface SightingMsg {
  type: 16;
  seq: number;
  adv: Uint8Array;
  rssi: number;
  uptimeMs: number;
  count?: number;
}
/** reader -> host: an NFC tap; `frame` is the badge's tap frame or SUN NDEF message, ciphertext only. */
export interface TapMsg {
  type: 17;
  seq: number;
  frame: Uint8Array;
  kind: number;
  challengeId?: number;
  uptimeMs: number;
}
/** host -> reader: the answer to the TAP with seq `tapSeq`. */
export interface DecisionMsg {
  type: 18;
  seq: number;
  tapSeq: number;
  allow: boolean;
  relayMs: number;
  led: number;
  buzzer: number;
  reason: number;
}
/** reader -> host: session keepalive; with any of the optional fields it is also a health report. */
export interface HeartbeatMsg {
  type: 19;
  seq: number;
  uptimeS?: number;
  freeVars?: number;
  errorFlags?: number;
  fw?: string;
  tamper?: boolean;
  queued?: number;
}
export interface ConfigMsg {
  type: 20;
  seq: number;
  doorId: number;
  mode: number;
  scanIntervalMs: number;
  scanWindowMs: number;
  rssiFloor: number;
  dedupMs: number;
}
/** host -> reader: single-use 8-byte challenges with ids firstId, firstId + 1, ... valid for ttlS seconds. */
export interface ChallengesMsg {
  type: 21;
  seq: number;
  list: Uint8Array[];
  ttlS: number;
  firstId: number;
}
export interface TimeMsg {
  type: 22;
  seq: number;
  epochS: number;
}
/** both ways: every seq up to `durable` is stored; `base` is the oldest seq the sender still holds. */
export interface AckMsg {
  type: 23;
  seq: number;
  durable: number;
  base?: number;
}
/** both ways: a fault code (errors.ts); `refType` / `refSeq` name the message it concerns when known. */
export interface ErrorMsg {
  type: 24;
  seq: number;
  code: number;
  refType?: number;
  refSeq?: number;
}
/** host -> reader, only inside an established BW-SC session: the next long-term link key. */
export interface RekeyMsg {
  type: 25;
  seq: number;
  key: Uint8Array;
  keyId: number;
}

export type Message =
  | SightingMsg
  | TapMsg
  | DecisionMsg
  | HeartbeatMsg
  | ConfigMsg
  | ChallengesMsg
  | TimeMsg
  | AckMsg
  | ErrorMsg
  | RekeyMsg;

/** Field kinds. */
export const K_UINT = 0; // unsigned integer in [min, max]
export const K_INT = 1; // integer in [min, max]
export const K_BYTES = 2; // byte string, length in [min, max]
export const K_TEXT = 3; // text string, UTF-8 length in [min, max]
export const K_BOOL = 4;
export const K_BYTES_LIST = 5; // array of 1..max byte strings of exactly min bytes each

/** [key, name, kind, min, max, required] */
export type Field = [number, string, number, number, number, boolean];

const U32 = 0xffffffff;
const SEQ: Field = [1, 'seq', K_UINT, 0, U32, true];

/** The schema, keys ascending within each message. */
export const SCHEMA: { [type: number]: Field[] } = {
  16: [
    SEQ,
    [2, 'adv', K_BYTES, 1, 31, true],
    [3, 'rssi', K_INT, -127, 20, true],
    [4, 'uptimeMs', K_UINT, 0, U32, true],
    [5, 'count', K_UINT, 1, 65535, false],
  ],
  17: [
    SEQ,
    [2, 'frame', K_BYTES, 1, 255, true],
    [3, 'kind', K_UINT, 0, 2, true],
    [4, 'challengeId', K_UINT, 0, U32, false],
    [5, 'uptimeMs', K_UINT, 0, U32, true],
  ],
  18: [
    SEQ,
    [2, 'tapSeq', K_UINT, 0, U32, true],
    [3, 'allow', K_BOOL, 0, 0, true],
    [4, 'relayMs', K_UINT, 0, 60000, true],
    [5, 'led', K_UINT, 0, 255, true],
    [6, 'buzzer', K_UINT, 0, 255, true],
    [7, 'reason', K_UINT, 0, 65535, true],
  ],
  19: [
    SEQ,
    [2, 'uptimeS', K_UINT, 0, U32, false],
    [3, 'freeVars', K_UINT, 0, U32, false],
    [4, 'errorFlags', K_UINT, 0, U32, false],
    [5, 'fw', K_TEXT, 1, 32, false],
    [6, 'tamper', K_BOOL, 0, 0, false],
    [7, 'queued', K_UINT, 0, U32, false],
  ],
  20: [
    SEQ,
    [2, 'doorId', K_UINT, 0, U32, true],
    [3, 'mode', K_UINT, 0, 2, true],
    [4, 'scanIntervalMs', K_UINT, 10, 10240, true],
    [5, 'scanWindowMs', K_UINT, 10, 10240, true],
    [6, 'rssiFloor', K_INT, -127, 20, true],
    [7, 'dedupMs', K_UINT, 0, 3600000, true],
  ],
  21: [
    SEQ,
    [2, 'list', K_BYTES_LIST, 8, 32, true],
    [3, 'ttlS', K_UINT, 1, 86400, true],
    [4, 'firstId', K_UINT, 0, U32, true],
  ],
  22: [SEQ, [2, 'epochS', K_UINT, 0, U32, true]],
  23: [SEQ, [2, 'durable', K_UINT, 0, U32, true], [3, 'base', K_UINT, 0, U32, false]],
  24: [
    SEQ,
    [2, 'code', K_UINT, 1, 999, true],
    [3, 'refType', K_UINT, 0, 255, false],
    [4, 'refSeq', K_UINT, 0, U32, false],
  ],
  25: [SEQ, [2, 'key', K_BYTES, 32, 32, true], [3, 'keyId', K_UINT, 0, U32, true]],
};

/** Message names for logs and tools (never the field values: REKEY carries key material). */
export const MSG_NAMES: { [type: number]: string } = {
  16: 'SIGHTING',
  17: 'TAP',
  18: 'DECISION',
  19: 'HEARTBEAT',
  20: 'CONFIG',
  21: 'CHALLENGES',
  22: 'TIME',
  23: 'ACK',
  24: 'ERROR',
  25: 'REKEY',
};
