/**
 * What the firmware's CBOR subset (cbor/lean.ts) accepts, held to the strict codec (mini.ts) and cbor-x:
 * every text- and null-free value of the subset decodes to the strict decoder's value (nothing the reader may
 * receive is lost), each strictness rule refuses (null) what decodeCbor refuses, and flat maps encode to the
 * canonical bytes.
 * The 100 000-input fuzz (lean accepts only what decodeCbor accepts) is in lean-reader.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/bytes';
import { decodeCborHost, encodeCborHost } from '../src/cbor/cborx';
import { leanDecode, leanEncode } from '../src/cbor/lean';
import { type CborMap, type CborValue, decodeCbor, encodeCbor } from '../src/cbor/mini';
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
        expect({ ok: true, value: l }).toEqual(decodeCbor(b));
        expect(l).toEqual(decodeCborHost(b).ok && v);
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
      expect({ ok: true, value: leanDecode(b) }).toEqual(decodeCbor(b));
    expect(leanDecode(fromHex('1affffffff'))).toBe(2 ** 32 - 1);
    expect(leanDecode(fromHex('3affffffff'))).toBe(-(2 ** 32));
  });

  // The lean decoder refuses with null, no code (the reader only counts a refusal): each rule is held to
  // decodeCbor refusing the same input, text and null aside.
  const refused: [string, string][] = [
    ['', 'empty input'],
    ['1817', '23 in a 1-byte argument'],
    ['1900ff', '255 in a 2-byte argument'],
    ['1a0000ffff', '65535 in a 4-byte argument'],
    ['3817', '-24 in a 1-byte argument'],
    ['580161', 'a byte string length in a 1-byte argument'],
    ['a202010102', 'keys 2 then 1'],
    ['a201010102', 'key 1 twice'],
    ['a12001', 'a negative key'],
    ['a1f501', 'a boolean key'],
    ['a1410101', 'a byte-string key that reads as a number'],
    ['a18001', 'an array key'],
    ['1b0000000100000000', 'an 8-byte argument'],
    ['a1616101', 'a text key'],
    ['6161', 'text'],
    ['f6', 'null'],
    ['c0', 'a tag'],
    ['f97e00', 'a half float'],
    ['1c', 'reserved additional information 28'],
    ['9f', 'an indefinite array'],
    ['990100', 'an array of 256 items'],
    ['0000', 'two items'],
    ['818181818181818180', '9 nested arrays'],
    ['830102', 'an array missing an item'],
    ['4201', 'a byte string cut short at the end'],
    ['82430102', 'a byte string cut short inside an array'],
    ['5a00010000', 'a byte string longer than any input'],
    ['1a0001', 'a 4-byte argument cut short'],
  ];
  for (const [hex, what] of refused)
    it(`refuses ${what} (${hex || 'empty'})`, () => {
      const b = fromHex(hex);
      expect(leanDecode(b)).toBeNull();
      // Text and null are the only values the strict decoder takes and the reader's does not.
      expect(decodeCbor(b).ok).toBe(hex === '6161' || hex === 'f6');
    });

  it('refuses an input over 512 bytes, and never throws on any byte string', () => {
    const big = new Uint8Array(513);
    big.set([0x59, 0x01, 0xfe]);
    expect(leanDecode(big)).toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        const r = leanDecode(b);
        const m = decodeCbor(b);
        // A value is what the strict decoder gives; what it refuses is refused (null, never a decoded value).
        if (r !== null) expect({ ok: true, value: r }).toEqual(m);
        if (!m.ok) expect(r).toBeNull();
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
    // Text is not checked for ASCII: the only text is the firmware version, which the build holds to ASCII.
    const bad: unknown[] = [null, undefined, Number.NaN, [1], { 1: 2 }, new Uint8Array(497)];
    for (const v of bad) expect(() => leanEncode({ 1: v as CborValue })).toThrow(TypeError);
    expect(leanEncode({ 1: new Uint8Array(493) }).length).toBe(498);
  });
});
