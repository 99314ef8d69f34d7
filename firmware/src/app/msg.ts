/**
 * The link messages the reader sends and acts on, as CBOR maps with the keys of the protocol's message table
 * (protocol/src/link/msg-schema.ts, SPEC messages): key 0 type, key 1 seq (0 = unsequenced). The firmware
 * builds and reads the maps directly with the protocol's device CBOR codec instead of loading the whole
 * schema table, which would cost hundreds of JsVars on a Puck.js; the interop test checks both agree. This
 * module imports nothing, so esbuild inlines its constants.
 */
export const MSG_SIGHTING = 16;
export const MSG_TAP = 17;
export const MSG_DECISION = 18;
export const MSG_HEARTBEAT = 19;
export const MSG_CONFIG = 20;
export const MSG_CHALLENGES = 21;
export const MSG_ACK = 23;
export const MSG_REKEY = 25;

/** TAP kind (key 3). */
export const KIND_CHALLENGE = 0;
export const KIND_COUNTER = 1;
export const KIND_SUN = 2;

/** HEARTBEAT error-flag bits (key 4) the app adds to the board's error flags. */
export const FLAG_NFC = 0x100;
export const FLAG_LINK = 0x200;
export const FLAG_LOST = 0x400;

/** The longest relay pulse a DECISION (key 4) may ask for, ms. */
export const MAX_RELAY_MS = 10000;

// Keys: SIGHTING 2 adv, 3 rssi, 4 uptimeMs | TAP 2 frame, 3 kind, 4 challengeId, 5 uptimeMs |
// DECISION 2 tapSeq, 3 allow, 4 relayMs, 5 led, 6 buzzer, 7 reason | HEARTBEAT 2 uptimeS, 3 freeVars,
// 4 errorFlags, 5 fw, 6 tamper, 7 queued | CONFIG 2 doorId, 3 mode, 4 scanIntervalMs, 5 scanWindowMs,
// 6 rssiFloor, 7 dedupMs | CHALLENGES 2 list, 3 ttlS, 4 firstId | ACK 2 durable, 3 base | REKEY 2 key, 3 keyId.
