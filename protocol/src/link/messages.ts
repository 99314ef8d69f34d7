/**
 * Encoding and validating decoding of link messages (SPEC.md, messages) over the device CBOR codec, driven by
 * the field table in msg-schema.ts. Device-safe.
 *
 * Decoding rules: the body must be a CBOR map (E_MSG_NOT_MAP) whose key 0 is a known type (missing:
 * E_MSG_MISSING_FIELD, not a uint: E_MSG_FIELD_TYPE, unknown: E_MSG_UNKNOWN_TYPE, action SKIP, so the receiver
 * answers ERROR and carries on). Each known field is checked for presence (303), CBOR type (304) and range
 * (305); for 3xx faults `at` is the field key, not a byte offset. Unknown keys are ignored for forward
 * compatibility (the CBOR layer has already required them to be well-formed and in canonical order).
 */
import { type CborMap, type CborValue, decodeCbor, encodeCbor } from '../cbor/mini';
import { utf8Length } from '../cbor/utf8';
import {
  E_MSG_FIELD_RANGE,
  E_MSG_FIELD_TYPE,
  E_MSG_MISSING_FIELD,
  E_MSG_NOT_MAP,
  E_MSG_UNKNOWN_TYPE,
  fail,
  ok,
  type Result,
} from '../errors';
import {
  type Field,
  K_BOOL,
  K_BYTES,
  K_INT,
  K_TEXT,
  K_UINT,
  type Message,
  MSG_CONFIG,
  SCHEMA,
} from './msg-schema';

export * from './msg-schema';

function isInt(v: CborValue): v is number {
  return typeof v === 'number';
}

/** 0 when `v` fits field `f`, else E_MSG_FIELD_TYPE or E_MSG_FIELD_RANGE. */
function check(f: Field, v: CborValue): number {
  const kind = f[2];
  const min = f[3];
  const max = f[4];
  if (kind === K_UINT || kind === K_INT) {
    if (!isInt(v) || (kind === K_UINT && v < 0)) return E_MSG_FIELD_TYPE;
    return v < min || v > max ? E_MSG_FIELD_RANGE : 0;
  }
  if (kind === K_BOOL) return v === true || v === false ? 0 : E_MSG_FIELD_TYPE;
  if (kind === K_BYTES) {
    if (!(v instanceof Uint8Array)) return E_MSG_FIELD_TYPE;
    return v.length < min || v.length > max ? E_MSG_FIELD_RANGE : 0;
  }
  if (kind === K_TEXT) {
    if (typeof v !== 'string') return E_MSG_FIELD_TYPE;
    const n = utf8Length(v);
    return n < min || n > max ? E_MSG_FIELD_RANGE : 0;
  }
  // K_BYTES_LIST
  if (!Array.isArray(v)) return E_MSG_FIELD_TYPE;
  for (let i = 0; i < v.length; i++)
    if (!((v[i] as CborValue) instanceof Uint8Array)) return E_MSG_FIELD_TYPE;
  if (v.length < 1 || v.length > max) return E_MSG_FIELD_RANGE;
  for (let i = 0; i < v.length; i++) if ((v[i] as Uint8Array).length !== min) return E_MSG_FIELD_RANGE;
  return 0;
}

/** Rules that span fields; returns the offending key or -1. */
function crossCheck(m: CborMap): number {
  if (m[0] === MSG_CONFIG && (m[5] as number) > (m[4] as number)) return 5; // scan window within the interval
  return -1;
}

/** Validates a decoded CBOR value as a message. */
export function messageFromCbor(v: CborValue): Result<Message> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) {
    return fail(E_MSG_NOT_MAP, -1);
  }
  const m = v as CborMap;
  const t = m[0];
  if (t === undefined) return fail(E_MSG_MISSING_FIELD, 0);
  if (!isInt(t) || t < 0) return fail(E_MSG_FIELD_TYPE, 0);
  const fields = SCHEMA[t];
  if (fields === undefined) return fail(E_MSG_UNKNOWN_TYPE, 0);
  const out: { [name: string]: unknown } = { type: t };
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as Field;
    const x = m[f[0]];
    if (x === undefined) {
      if (f[5]) return fail(E_MSG_MISSING_FIELD, f[0]);
      continue;
    }
    const code = check(f, x);
    if (code !== 0) return fail(code, f[0]);
    out[f[1]] = x;
  }
  const bad = crossCheck(m);
  if (bad >= 0) return fail(E_MSG_FIELD_RANGE, bad);
  return ok(out as unknown as Message);
}

/** Decodes and validates one message body (the plaintext of a BW-SC record). Never throws. */
export function decodeMessage(bytes: Uint8Array): Result<Message> {
  const r = decodeCbor(bytes);
  if (!r.ok) return r;
  return messageFromCbor(r.value);
}

/**
 * The CBOR map of a message. Throws TypeError when the message breaks its own schema (an unknown type, a
 * missing or out-of-range field): an encoder must never emit what the decoder refuses.
 */
export function messageToCbor(msg: Message): CborMap {
  const src = msg as unknown as { [name: string]: CborValue | undefined };
  const t = msg.type;
  const fields = SCHEMA[t];
  if (fields === undefined) throw new TypeError('encodeMessage: unknown message type ' + t);
  const m: CborMap = {};
  m[0] = t;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as Field;
    const x = src[f[1]];
    if (x === undefined) {
      if (f[5]) throw new TypeError('encodeMessage: type ' + t + ' needs field ' + f[1]);
      continue;
    }
    if (check(f, x) !== 0) throw new TypeError('encodeMessage: type ' + t + ' field ' + f[1] + ' is invalid');
    m[f[0]] = x;
  }
  if (crossCheck(m) >= 0) throw new TypeError('encodeMessage: type ' + t + ' fields are inconsistent');
  return m;
}

export function encodeMessage(msg: Message): Uint8Array {
  return encodeCbor(messageToCbor(msg));
}

/** AUTH `info` (spec part 20 §20.4): a CBOR map with HEARTBEAT's keys, of which a reader sends 5 (fw). */
export interface AuthInfo {
  fw?: string;
}

/** Throws TypeError on a firmware version that HEARTBEAT's field 5 would refuse. */
export function encodeAuthInfo(info: AuthInfo): Uint8Array {
  const m: CborMap = {};
  if (info.fw !== undefined) {
    if (check(SCHEMA[19]?.[4] as Field, info.fw) !== 0) throw new TypeError('encodeAuthInfo: bad fw');
    m[5] = info.fw;
  }
  return encodeCbor(m);
}

/** Reads AUTH `info`; unknown keys are ignored, a known key of the wrong type or range is refused. */
export function decodeAuthInfo(bytes: Uint8Array): Result<AuthInfo> {
  const r = decodeCbor(bytes);
  if (!r.ok) return r;
  const v = r.value;
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) {
    return fail(E_MSG_NOT_MAP, -1);
  }
  const fw = (v as CborMap)[5];
  const out: AuthInfo = {};
  if (fw !== undefined) {
    const code = check(SCHEMA[19]?.[4] as Field, fw);
    if (code !== 0) return fail(code, 5);
    out.fw = fw as string;
  }
  return ok(out);
}
