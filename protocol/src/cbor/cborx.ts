/**
 * The host CBOR codec: cbor-x with every option pinned here and nowhere else (SPEC.md, CBOR subset), made as
 * strict as the device codec (mini.ts) by decode -> convert to the same value model -> re-encode -> require
 * byte equality with the input. That last step rejects what cbor-x tolerates: duplicate keys (last wins),
 * non-shortest heads, unsorted keys, floats that happen to be integral, and invalid UTF-8 (cbor-x repairs it).
 *
 * Names: `encodeCborHost` / `decodeCborHost`, same signatures and value model as `encodeCbor` / `decodeCbor`.
 * Fault codes agree with mini.ts on accept/reject (differential tests), not always on the code: anything the
 * byte-equality check catches is E_CBOR_NON_CANONICAL here, and cbor-x parse errors it cannot classify are
 * E_CBOR_MALFORMED. `setSizeLimits` is deliberately not called: it is process-global and would change every
 * other cbor-x user in the process; the input cap (CBOR_MAX_BYTES) bounds allocation instead, because cbor-x
 * checks declared lengths against the remaining input.
 */
import { Decoder, Encoder } from 'cbor-x';
import {
  E_CBOR_DEPTH,
  E_CBOR_MALFORMED,
  E_CBOR_NON_CANONICAL,
  E_CBOR_TOO_LARGE,
  E_CBOR_TRAILING,
  E_CBOR_TRUNCATED,
  E_CBOR_UNSUPPORTED,
  fail,
  ok,
  type Result,
} from '../errors';
import { CBOR_MAX_BYTES, CBOR_MAX_DEPTH, CBOR_MAX_ITEMS, type CborMap, type CborValue } from './mini';
import { utf8Length } from './utf8';

/** Every cbor-x option that changes bytes or decoded shapes, pinned (wire notes §6; cbor-x 1.6.9). */
const OPTIONS = {
  useRecords: false, // no record extension (tag 0xdfff)
  structuredClone: false,
  pack: false,
  bundleStrings: false,
  mapsAsObjects: false, // maps decode to Map, so integer keys stay numbers
  variableMapSize: true, // shortest map heads, not the fixed 16-bit b9 form
  useTag259ForMaps: false,
  tagUint8Array: false, // Uint8Array is a plain byte string, not tag 64
  copyBuffers: true, // decoded byte strings do not alias the input
  int64AsNumber: false,
  largeBigIntToFloat: false,
  useFloat32: 0,
  alwaysUseFloat: false,
  encodeUndefinedAsNil: false,
  useSelfDescribedHeader: false,
  useToJSON: false,
  sequential: false,
};
const encoder = new Encoder(OPTIONS);
const decoder = new Decoder(OPTIONS);

/** Value model -> what cbor-x encodes canonically: maps become Maps inserted in ascending key order. */
function toCborx(v: CborValue, depth: number): unknown {
  if (typeof v === 'number') {
    if (v !== Math.floor(v) || v < -0x100000000 || v > 0xffffffff) {
      throw new TypeError('encodeCborHost: not an integer in -2^32..2^32-1: ' + v);
    }
    return v === 0 ? 0 : v; // -0 would otherwise be a float
  }
  if (typeof v === 'string') {
    utf8Length(v); // throws on a lone surrogate, as the device codec does
    return v;
  }
  if (v === null || typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return v;
  if (typeof v !== 'object') throw new TypeError('encodeCborHost: not in the CBOR subset: ' + typeof v);
  if (depth >= CBOR_MAX_DEPTH) throw new TypeError('encodeCborHost: nesting deeper than ' + CBOR_MAX_DEPTH);
  if (Array.isArray(v)) return v.map((x) => toCborx(x, depth + 1));
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null)
    throw new TypeError('encodeCborHost: not a plain object map');
  const keys = Object.keys(v).map((s) => {
    const k = Number(s);
    if (!(Number.isInteger(k) && k >= 0 && k <= 0xffffffff && String(k) === s)) {
      throw new TypeError('encodeCborHost: map key is not an unsigned 32-bit integer: ' + s);
    }
    return k;
  });
  keys.sort((a, b) => a - b);
  const m = new Map<number, unknown>();
  for (const k of keys) {
    const x = (v as CborMap)[k];
    if (x === undefined) throw new TypeError('encodeCborHost: undefined value at key ' + k);
    m.set(k, toCborx(x, depth + 1));
  }
  return m;
}

export function encodeCborHost(v: CborValue): Uint8Array {
  const out = encoder.encode(toCborx(v, 0));
  // cbor-x returns a view of its reusable buffer: copy before the next encode can touch it.
  return new Uint8Array(out);
}

/** Thrown inside the conversion only, and always caught by decodeCborHost. */
class Reject {
  constructor(readonly code: number) {}
}

/** cbor-x output -> value model, or Reject for anything outside the subset. */
function fromCborx(x: unknown, depth: number): CborValue {
  if (typeof x === 'number') {
    if (Number.isInteger(x) && x >= -0x100000000 && x <= 0xffffffff) return x;
    throw new Reject(E_CBOR_UNSUPPORTED);
  }
  if (typeof x === 'string' || typeof x === 'boolean' || x === null) return x;
  if (x instanceof Uint8Array) return new Uint8Array(x);
  if (!Array.isArray(x) && !(x instanceof Map)) throw new Reject(E_CBOR_UNSUPPORTED); // undefined, bigint, Tag…
  if (depth >= CBOR_MAX_DEPTH) throw new Reject(E_CBOR_DEPTH);
  if (Array.isArray(x)) {
    if (x.length > CBOR_MAX_ITEMS) throw new Reject(E_CBOR_TOO_LARGE);
    return x.map((e) => fromCborx(e, depth + 1));
  }
  const m = x as Map<unknown, unknown>;
  if (m.size > CBOR_MAX_ITEMS) throw new Reject(E_CBOR_TOO_LARGE);
  const out: CborMap = {};
  for (const [k, e] of m) {
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > 0xffffffff) {
      throw new Reject(E_CBOR_UNSUPPORTED);
    }
    out[k] = fromCborx(e, depth + 1);
  }
  return out;
}

function classify(e: unknown): number {
  const err = e as { incomplete?: boolean; message?: string };
  if (err && err.incomplete) return E_CBOR_TRUNCATED;
  const msg = String(err && err.message);
  if (/end of buffer not reached/.test(msg)) return E_CBOR_TRAILING;
  if (/Indefinite length/.test(msg)) return E_CBOR_UNSUPPORTED;
  if (/length over/.test(msg)) return E_CBOR_TOO_LARGE;
  return E_CBOR_MALFORMED;
}

/** Decodes exactly one item filling `bytes` with cbor-x, then holds it to the subset. Never throws. */
export function decodeCborHost(bytes: Uint8Array): Result<CborValue> {
  if (bytes.length > CBOR_MAX_BYTES) return fail(E_CBOR_TOO_LARGE, CBOR_MAX_BYTES);
  if (bytes.length === 0) return fail(E_CBOR_TRUNCATED, 0);
  let raw: unknown;
  try {
    raw = decoder.decode(bytes);
  } catch (e) {
    return fail(classify(e), -1);
  }
  let v: CborValue;
  let again: Uint8Array;
  try {
    v = fromCborx(raw, 0);
    again = encodeCborHost(v);
  } catch (e) {
    return fail(e instanceof Reject ? e.code : E_CBOR_UNSUPPORTED, -1);
  }
  const n = Math.min(again.length, bytes.length);
  let i = 0;
  while (i < n && again[i] === bytes[i]) i++;
  if (i < n || again.length !== bytes.length) return fail(E_CBOR_NON_CANONICAL, i);
  return ok(v);
}
