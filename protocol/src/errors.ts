/**
 * Every decode or verification failure in badgewire has a numeric code and one action class (SPEC.md §8).
 * Ranges by layer: 1xx frame, 2xx CBOR, 3xx message schema, 4xx secure channel, 5xx badge frames and taps,
 * 6xx reader application. Decoders never throw on bad input: they return `Fail`. They throw only on
 * programmer misuse (wrong argument types), as @noble does.
 *
 * Device-safe: plain numbers and objects, no Error subclasses (Espruino cannot `extends Error`). The constants
 * come first, above any other statement: esbuild inlines leading constants into the firmware bundle, where each
 * kept one would cost a variable (a JsVar on Espruino).
 */

/** What the caller does with the input after a failure. */
export const NEED_MORE = 1; // not an error yet: wait for more bytes
export const SKIP = 2; // well-formed but not for us (unknown type, unknown field): ignore it, keep the session
export const DROP = 3; // this frame/record is bad: discard it, keep the buffer and the session
export const RESET = 4; // the session or stream state is untrustworthy: tear down and re-handshake

// 1xx framing (COBS + CRC deframer)
export const E_FRAME_INCOMPLETE = 100;
export const E_FRAME_COBS = 101;
export const E_FRAME_CRC = 102;
export const E_FRAME_TOO_LONG = 103;
export const E_FRAME_SHORT = 104;
export const E_FRAME_VERSION = 105;
export const E_FRAME_TYPE = 106;
// 2xx CBOR
export const E_CBOR_TRUNCATED = 201;
export const E_CBOR_NON_CANONICAL = 202;
export const E_CBOR_UNSUPPORTED = 203;
export const E_CBOR_TRAILING = 204;
export const E_CBOR_DEPTH = 205;
export const E_CBOR_DUP_KEY = 206;
export const E_CBOR_TOO_LARGE = 207;
export const E_CBOR_UTF8 = 208;
export const E_CBOR_MALFORMED = 209; // not well-formed CBOR at all: reserved heads, stray break, simple(<32) in 2 bytes
// 3xx message schema
export const E_MSG_NOT_MAP = 301;
export const E_MSG_UNKNOWN_TYPE = 302;
export const E_MSG_MISSING_FIELD = 303;
export const E_MSG_FIELD_TYPE = 304;
export const E_MSG_FIELD_RANGE = 305;
// 4xx secure channel
export const E_CH_TAG = 401;
export const E_CH_REPLAY = 402;
export const E_CH_NO_SESSION = 403;
export const E_CH_HANDSHAKE = 404;
export const E_CH_VERSION = 405;
export const E_CH_COUNTER_EXHAUSTED = 406;
export const E_CH_UNKNOWN_READER = 407;
export const E_CH_STATE = 408;
export const E_CH_TOO_MANY_FAILURES = 409;
export const E_CH_MALFORMED = 410;
export const E_CH_UNKNOWN_PACKET = 411;
export const E_CH_DIRECTION = 412;
export const E_CH_NO_KEY = 413;
export const E_CH_EXPIRED = 414;
export const E_SESS_GAP = 420;
export const E_SESS_ACK_RANGE = 421;
export const E_SESS_TIMEOUT = 422;
export const E_SESS_WINDOW_FULL = 423;
// 5xx badge frames, taps, SUN
export const E_BADGE_LENGTH = 501;
export const E_BADGE_HEADER = 502;
export const E_BADGE_UNKNOWN = 503;
export const E_BADGE_FORGED = 504;
export const E_BADGE_REPLAY = 505;
export const E_BADGE_CHALLENGE = 506;
export const E_BADGE_CLOCK = 507;
export const E_BADGE_REVOKED = 508;
export const E_SUN_MAC = 509;
export const E_SUN_FORMAT = 510;
export const E_SUN_REPLAY = 511;
// 6xx reader application
export const E_APP_UNPROVISIONED = 601;
export const E_APP_NFC_TIMEOUT = 602;
export const E_APP_NFC_FRAME = 603;
export const E_APP_STORAGE_FULL = 604;
export const E_APP_QUEUE_FULL = 605;

export const ACTION_NAMES: { [k: number]: string } = { 1: 'need-more', 2: 'skip', 3: 'drop', 4: 'reset' };

export interface Ok<T> {
  ok: true;
  value: T;
}
export interface Fail {
  ok: false;
  code: number;
  /** Byte offset in the input where the fault was found, or -1. Never key material or payload. */
  at: number;
}
export type Result<T> = Ok<T> | Fail;

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value: value };
}
export function fail(code: number, at: number): Fail {
  return { ok: false, code: code, at: at };
}

/** name and action class per code. Host-side tooling (logs, metrics, SPEC tables) reads this. */
export const ERRORS: { [code: number]: [string, number] } = {
  100: ['E_FRAME_INCOMPLETE', NEED_MORE],
  101: ['E_FRAME_COBS', DROP],
  102: ['E_FRAME_CRC', DROP],
  103: ['E_FRAME_TOO_LONG', DROP],
  104: ['E_FRAME_SHORT', DROP],
  105: ['E_FRAME_VERSION', DROP],
  106: ['E_FRAME_TYPE', SKIP],
  201: ['E_CBOR_TRUNCATED', DROP],
  202: ['E_CBOR_NON_CANONICAL', DROP],
  203: ['E_CBOR_UNSUPPORTED', DROP],
  204: ['E_CBOR_TRAILING', DROP],
  205: ['E_CBOR_DEPTH', DROP],
  206: ['E_CBOR_DUP_KEY', DROP],
  207: ['E_CBOR_TOO_LARGE', DROP],
  208: ['E_CBOR_UTF8', DROP],
  209: ['E_CBOR_MALFORMED', DROP],
  301: ['E_MSG_NOT_MAP', DROP],
  302: ['E_MSG_UNKNOWN_TYPE', SKIP],
  303: ['E_MSG_MISSING_FIELD', DROP],
  304: ['E_MSG_FIELD_TYPE', DROP],
  305: ['E_MSG_FIELD_RANGE', DROP],
  401: ['E_CH_TAG', DROP],
  402: ['E_CH_REPLAY', DROP],
  403: ['E_CH_NO_SESSION', RESET],
  404: ['E_CH_HANDSHAKE', RESET],
  405: ['E_CH_VERSION', RESET],
  406: ['E_CH_COUNTER_EXHAUSTED', RESET],
  407: ['E_CH_UNKNOWN_READER', RESET],
  408: ['E_CH_STATE', DROP],
  409: ['E_CH_TOO_MANY_FAILURES', RESET],
  410: ['E_CH_MALFORMED', DROP],
  411: ['E_CH_UNKNOWN_PACKET', SKIP],
  412: ['E_CH_DIRECTION', DROP],
  413: ['E_CH_NO_KEY', RESET],
  414: ['E_CH_EXPIRED', RESET],
  420: ['E_SESS_GAP', DROP],
  421: ['E_SESS_ACK_RANGE', DROP],
  422: ['E_SESS_TIMEOUT', RESET],
  423: ['E_SESS_WINDOW_FULL', DROP],
  501: ['E_BADGE_LENGTH', DROP],
  502: ['E_BADGE_HEADER', SKIP],
  503: ['E_BADGE_UNKNOWN', DROP],
  504: ['E_BADGE_FORGED', DROP],
  505: ['E_BADGE_REPLAY', DROP],
  506: ['E_BADGE_CHALLENGE', DROP],
  507: ['E_BADGE_CLOCK', DROP],
  508: ['E_BADGE_REVOKED', DROP],
  509: ['E_SUN_MAC', DROP],
  510: ['E_SUN_FORMAT', DROP],
  511: ['E_SUN_REPLAY', DROP],
  601: ['E_APP_UNPROVISIONED', RESET],
  602: ['E_APP_NFC_TIMEOUT', DROP],
  603: ['E_APP_NFC_FRAME', DROP],
  604: ['E_APP_STORAGE_FULL', DROP],
  605: ['E_APP_QUEUE_FULL', DROP],
};

export function errorName(code: number): string {
  const e = ERRORS[code];
  return e ? e[0] : 'E_UNKNOWN_' + code;
}

export function errorAction(code: number): number {
  const e = ERRORS[code];
  return e ? e[1] : RESET;
}
