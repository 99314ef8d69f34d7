/**
 * What the firmware's CBOR subset (cbor/lean.ts) accepts, held to the strict codec (mini.ts) and cbor-x:
 * every text- and null-free value of the subset decodes to the strict decoder's value (nothing the reader may
 * receive is lost), each strictness rule refuses with a 2xx code, and flat maps encode to the canonical bytes.
 * The 100 000-input fuzz (lean accepts only what decodeCbor accepts) is in lean-reader.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/bytes';
import { decodeCborHost, encodeCborHost } from '../src/cbor/cborx';
import { leanDecode, leanEncode } from '../src/cbor/lean';
import { type CborMap, type CborValue, decodeCbor, encodeCbor } from '../src/cbor/mini';
import {
  E_CBOR_DEPTH,
  E_CBOR_NON_CANONICAL,
  E_CBOR_TRAILING,
  E_CBOR_TRUNCATED,
  E_CBOR_UNSUPPORTED,
} from '../src/errors';
import { cborInt } from './cbor-model';

/** The subset without text and null (what a host may send a reader), nested up to 8 containers deep. */
const noText: fc.Arbitrary<CborValue> = fc.letrec<{ v: CborValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 7, withCrossShrink: true },
    fc.oneof(cborInt, fc.uint8Array({ maxLength: 40 }), fc.boolean()),
    fc.array(tie('v'), { maxLength: 5 }),
    fc
      .uniqueArray(fc.tuple(fc.oneof(fc.nat(30), fc.nat()), tie('v')), {
        maxLength: 5,
        selector: (e) => e[0],
      })
      .map((es) => {
        const m: CborMap = {};
        for (const [k, e] of es) m[k] = e;
        return m;
      }),
  ),
})).v;

describe('leanDecode', () => {
  it('decodes every text- and null-free subset value within 512 bytes to the strict and cbor-x values', () => {
    fc.assert(
      fc.property(noText, (v) => {
        const b = encodeCbor(v);
        fc.pre(b.length <= 512);
        const l = leanDecode(b);
        expect(l).toEqual(decodeCbor(b));
        expect(l.ok && l.value).toEqual(decodeCborHost(b).ok && v);
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts the limits: 8 nested containers, 255 items, +-2^32 integers, a 512-byte input', () => {
    const big = new Uint8Array(512);
    big.set([0x59, 0x01, 0xfd]);
    const items = new Uint8Array(257);
    items.set([0x98, 0xff]);
    for (const b of [fromHex('8181818181818180'), fromHex('a10781818181818180'), items, big])
      expect(leanDecode(b)).toEqual(decodeCbor(b));
    expect(leanDecode(fromHex('1affffffff'))).toEqual({ ok: true, value: 2 ** 32 - 1 });
    expect(leanDecode(fromHex('3affffffff'))).toEqual({ ok: true, value: -(2 ** 32) });
  });

  const refused: [string, number, string][] = [
    ['', E_CBOR_TRUNCATED, 'empty input'],
    ['1817', E_CBOR_NON_CANONICAL, '23 in a 1-byte argument'],
    ['1900ff', E_CBOR_NON_CANONICAL, '255 in a 2-byte argument'],
    ['1a0000ffff', E_CBOR_NON_CANONICAL, '65535 in a 4-byte argument'],
    ['3817', E_CBOR_NON_CANONICAL, '-24 in a 1-byte argument'],
    ['580161', E_CBOR_NON_CANONICAL, 'a byte string length in a 1-byte argument'],
    ['a202010102', E_CBOR_NON_CANONICAL, 'keys 2 then 1'],
    ['a201010102', E_CBOR_NON_CANONICAL, 'key 1 twice'],
    ['a12001', E_CBOR_NON_CANONICAL, 'a negative key'],
    ['a1f501', E_CBOR_NON_CANONICAL, 'a boolean key'],
    ['a1410101', E_CBOR_NON_CANONICAL, 'a byte-string key that reads as a number'],
    ['a18001', E_CBOR_NON_CANONICAL, 'an array key'],
    ['1b0000000100000000', E_CBOR_UNSUPPORTED, 'an 8-byte argument'],
    ['a1616101', E_CBOR_UNSUPPORTED, 'a text key'],
    ['6161', E_CBOR_UNSUPPORTED, 'text'],
    ['f6', E_CBOR_UNSUPPORTED, 'null'],
    ['c0', E_CBOR_UNSUPPORTED, 'a tag'],
    ['f97e00', E_CBOR_UNSUPPORTED, 'a half float'],
    ['1c', E_CBOR_UNSUPPORTED, 'reserved additional information 28'],
    ['9f', E_CBOR_UNSUPPORTED, 'an indefinite array'],
    ['990100', E_CBOR_UNSUPPORTED, 'an array of 256 items'],
    ['0000', E_CBOR_TRAILING, 'two items'],
    ['818181818181818180', E_CBOR_DEPTH, '9 nested arrays'],
    ['830102', E_CBOR_TRUNCATED, 'an array missing an item'],
    ['4201', E_CBOR_TRUNCATED, 'a byte string cut short at the end'],
    ['82430102', E_CBOR_TRUNCATED, 'a byte string cut short inside an array'],
    ['5a00010000', E_CBOR_TRUNCATED, 'a byte string longer than any input'],
    ['1a0001', E_CBOR_TRUNCATED, 'a 4-byte argument cut short'],
  ];
  for (const [hex, code, what] of refused)
    it(`refuses ${what} (${hex || 'empty'}) with ${code}`, () => {
      const b = fromHex(hex);
      expect(leanDecode(b)).toMatchObject({ ok: false, code: code });
      // Text and null are the only values the strict decoder takes and the reader's does not.
      expect(decodeCbor(b).ok).toBe(hex === '6161' || hex === 'f6');
    });

  it('refuses an input over 512 bytes, and never throws on any byte string', () => {
    const big = new Uint8Array(513);
    big.set([0x59, 0x01, 0xfe]);
    expect(leanDecode(big)).toMatchObject({ ok: false, code: E_CBOR_UNSUPPORTED });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        const r = leanDecode(b);
        expect(r.ok || (r.code >= 200 && r.code < 300)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});

/** Flat maps of what the reader sends: integers, byte strings, booleans and printable ASCII text. */
const flat = fc
  .uniqueArray(
    fc.tuple(
      fc.oneof(fc.nat(30), fc.nat()),
      fc.oneof(
        cborInt,
        fc.uint8Array({ maxLength: 40 }),
        fc.boolean(),
        fc.string({ maxLength: 12 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
      ),
    ),
    { maxLength: 8, selector: (e) => e[0] },
  )
  .map((es) => {
    // Insertion order is random, as on Espruino, which enumerates integer keys in insertion order.
    const m: CborMap = {};
    for (const [k, v] of es) m[k] = v;
    return m;
  });

describe('leanEncode', () => {
  it('gives the strict and cbor-x canonical bytes for flat maps, including the firmware version text', () => {
    expect(toHex(leanEncode({ 5: '0.1.0', 0: 19, 1: 0 }))).toBe(
      toHex(encodeCbor({ 0: 19, 1: 0, 5: '0.1.0' })),
    );
    expect(toHex(leanEncode({ 0: true, 1: false, 2: -(2 ** 32), 3: 2 ** 32 - 1 }))).toBe(
      'a4' + '00f5' + '01f4' + '023affffffff' + '031affffffff',
    );
    fc.assert(
      fc.property(flat, (m) => {
        const want = toHex(encodeCbor(m));
        expect(toHex(leanEncode(m))).toBe(want);
        expect(toHex(encodeCborHost(m))).toBe(want);
      }),
      { numRuns: 5000 },
    );
  });

  it('throws TypeError for a value it cannot represent and for a map over 498 bytes', () => {
    const bad: unknown[] = ['é', null, undefined, Number.NaN, [1], { 1: 2 }, new Uint8Array(497)];
    for (const v of bad) expect(() => leanEncode({ 1: v as CborValue })).toThrow(TypeError);
    expect(leanEncode({ 1: new Uint8Array(493) }).length).toBe(498);
  });
});
