import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes';
import { decodeCborHost, encodeCborHost } from '../src/cbor/cborx';
import { type CborValue, decodeCbor, encodeCbor } from '../src/cbor/mini';
import { E_CBOR_TRUNCATED, ERRORS, type Result } from '../src/errors';
import { cborValue } from './cbor-model';
import { edgyBytes, FUZZ_RUNS, mutate, mutation } from './fuzz-util';

/** Structural equality over the value model (faster than expect().toEqual in a 100k loop). */
function same(a: CborValue, b: CborValue): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && toHex(a) === toHex(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i] as CborValue));
  if (Array.isArray(b) || b instanceof Uint8Array) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length && ka.every((k, i) => k === kb[i] && same(a[+k] as CborValue, b[+k] as CborValue))
  );
}

function typed(r: Result<CborValue>): boolean {
  return r.ok || (r.code >= 200 && r.code < 300 && ERRORS[r.code] !== undefined);
}

const values = cborValue(8);

describe('CBOR: device codec vs pinned cbor-x', () => {
  it('random subset values encode identically and decode back to themselves under both codecs', () => {
    fc.assert(
      fc.property(values, (v) => {
        const e = encodeCbor(v);
        if (toHex(encodeCborHost(v)) !== toHex(e)) return false;
        if (e.length > 512) return true; // beyond the input cap: both refuse (checked below)
        const a = decodeCbor(e);
        const b = decodeCborHost(e);
        return a.ok && b.ok && same(a.value, v) && same(b.value, v);
      }),
      { numRuns: Math.max(1, Math.floor(FUZZ_RUNS / 5)) },
    );
  });

  it('random and mutated bytes: both accept or both refuse; accepted input is canonical; faults are typed', () => {
    const disagreements: string[] = [];
    const input = fc.oneof(
      edgyBytes(24),
      fc.uint8Array({ maxLength: 64 }),
      fc
        .tuple(values, fc.array(mutation, { minLength: 1, maxLength: 3 }))
        .map(([v, ms]) => mutate(encodeCbor(v), ms)),
    );
    fc.assert(
      fc.property(input, (b) => {
        const a = decodeCbor(b);
        const h = decodeCborHost(b);
        if (!typed(a) || !typed(h)) return false;
        if (a.ok !== h.ok || (a.ok && h.ok && !same(a.value, h.value))) disagreements.push(toHex(b));
        // The device codec is the strict one: whatever it accepts is already in canonical form.
        return !a.ok || toHex(encodeCbor(a.value)) === toHex(b);
      }),
      { numRuns: FUZZ_RUNS },
    );
    expect(disagreements.slice(0, 10)).toEqual([]);
  });

  it('a canonical encoding truncated at any point is E_CBOR_TRUNCATED under both codecs', () => {
    fc.assert(
      fc.property(values, fc.nat(), (v, cut) => {
        const e = encodeCbor(v);
        if (e.length > 512) return true;
        const t = e.subarray(0, cut % e.length);
        const a = decodeCbor(t);
        const h = decodeCborHost(t);
        return !a.ok && a.code === E_CBOR_TRUNCATED && !h.ok && h.code === E_CBOR_TRUNCATED;
      }),
      { numRuns: Math.max(1, Math.floor(FUZZ_RUNS / 5)) },
    );
  });
});
