import { encodeCbor, fromHex, toHex } from '@badgewire/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cborCodec } from '../src/app/cbor-codec';
import { M_ACK, M_HEALTH, M_SIGHTING, M_TAP } from '../src/app/msg';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100000);

describe('firmware message codec over mini CBOR', () => {
  it('encodes a sighting as an integer-keyed map: 0 type, 1 seq, 3 eph, 4 rssi', () => {
    const eph = fromHex('115d75e6563a6e2b53bee108ca5711fe');
    const b = cborCodec.encode({ t: M_SIGHTING, seq: 5, at: 12, eph, rssi: -60 });
    // Independently built expectation: a5 00 10 01 05 02 0c 03 50 <16 bytes> 04 38 3b
    expect(toHex(b)).toBe('a50010010502' + '0c' + '0350' + toHex(eph) + '04383b');
  });

  it('puts an ACK seq in field 2, as the link session does', () => {
    expect(toHex(cborCodec.encode({ t: M_ACK, seq: 7 }))).toBe(toHex(encodeCbor({ 0: 23, 2: 7 })));
    expect(cborCodec.decode(encodeCbor({ 0: 23, 2: 7 }))).toEqual({ t: M_ACK, seq: 7 });
    expect(cborCodec.decode(encodeCbor({ 0: 23 }))).toBeNull();
  });

  it('round-trips taps and health', () => {
    const tap = {
      t: M_TAP,
      seq: 1,
      at: 3,
      mode: 1,
      frame: new Uint8Array(33).fill(7),
      chal: new Uint8Array(8),
    };
    expect(cborCodec.decode(cborCodec.encode(tap))).toEqual(tap);
    const h = {
      t: M_HEALTH,
      seq: 0,
      up: 99,
      free: 1200,
      flags: 0x101,
      ver: '0.1.0',
      tamper: false,
      queued: 2,
    };
    expect(cborCodec.decode(cborCodec.encode(h))).toEqual(h);
  });

  it('rejects wrong field types and non-maps', () => {
    expect(cborCodec.decode(encodeCbor({ 0: 16, 3: 'not bytes' }))).toBeNull();
    expect(cborCodec.decode(encodeCbor([1, 2]))).toBeNull();
    expect(cborCodec.decode(encodeCbor({ 1: 2 }))).toBeNull();
    expect(cborCodec.decode(fromHex('ff'))).toBeNull();
  });

  it('never throws on random or mutated input', () => {
    const seed = cborCodec.encode({
      t: M_TAP,
      seq: 1,
      mode: 2,
      frame: new Uint8Array(33),
      door: 3,
      allow: true,
    });
    const mutated = fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, v]) => {
      const c = new Uint8Array(seed);
      c[i] = v;
      return c;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 60 }), mutated), (b) => {
        const m = cborCodec.decode(b);
        if (m) expect(typeof m.t).toBe('number');
      }),
      { numRuns: RUNS },
    );
  });
});
