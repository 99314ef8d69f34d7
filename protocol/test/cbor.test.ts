import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/bytes';
import { decodeCborHost, encodeCborHost } from '../src/cbor/cborx';
import { CBOR_MAX_BYTES, type CborValue, decodeCbor, encodeCbor } from '../src/cbor/mini';
import { utf8Decode, utf8Encode } from '../src/cbor/utf8';
import {
  E_CBOR_DEPTH,
  E_CBOR_DUP_KEY,
  E_CBOR_MALFORMED,
  E_CBOR_NON_CANONICAL,
  E_CBOR_TOO_LARGE,
  E_CBOR_TRAILING,
  E_CBOR_TRUNCATED,
  E_CBOR_UNSUPPORTED,
  E_CBOR_UTF8,
  ERRORS,
} from '../src/errors';
import { fromNotation } from './cbor-model';
import { sharedVector } from './vectors';

const codecs = [
  { name: 'device (mini)', enc: encodeCbor, dec: decodeCbor },
  { name: 'host (cbor-x)', enc: encodeCborHost, dec: decodeCborHost },
];

describe('RFC 8949 Appendix A', () => {
  const rows = sharedVector('rfc8949-cbor-appendix-a.json').vectors as {
    hex: string;
    diagnostic: string;
    value: unknown;
    note?: string;
  }[];
  const inSubset = rows.filter(
    (r) => !/indefinite/.test(r.note ?? '') && fromNotation(r.value) !== undefined,
  );
  const outside = rows.filter((r) => !inSubset.includes(r));
  it('splits into the rows the subset covers and the rows it refuses', () => {
    expect(inSubset.length + outside.length).toBe(75);
    expect(inSubset.length).toBeGreaterThanOrEqual(30);
  });
  for (const c of codecs) {
    for (const r of inSubset) {
      it(`${c.name} decodes and re-encodes ${r.diagnostic} byte-exactly`, () => {
        const want = fromNotation(r.value) as CborValue;
        expect(c.dec(fromHex(r.hex))).toEqual({ ok: true, value: want });
        expect(toHex(c.enc(want))).toBe(r.hex);
      });
    }
    for (const r of outside) {
      it(`${c.name} refuses ${r.hex} (${r.note ?? r.diagnostic}) with a typed 2xx code`, () => {
        const res = c.dec(fromHex(r.hex));
        expect(res.ok).toBe(false);
        if (!res.ok) {
          expect(ERRORS[res.code]).toBeDefined();
          expect(Math.floor(res.code / 100)).toBe(2);
        }
      });
    }
  }
  it('the device codec refuses every out-of-subset row as unsupported, not as malformed', () => {
    for (const r of outside)
      expect(decodeCbor(fromHex(r.hex))).toMatchObject({ ok: false, code: E_CBOR_UNSUPPORTED });
  });
});

describe('device CBOR strictness (RFC 8949 §4.2.1 deterministic rules)', () => {
  const cases: [string, number, string][] = [
    ['', E_CBOR_TRUNCATED, 'empty input'],
    ['1817', E_CBOR_NON_CANONICAL, '23 in a 1-byte argument'],
    ['1900ff', E_CBOR_NON_CANONICAL, '255 in a 2-byte argument'],
    ['1a0000ffff', E_CBOR_NON_CANONICAL, '65535 in a 4-byte argument'],
    ['1b0000000000000001', E_CBOR_NON_CANONICAL, '1 in an 8-byte argument'],
    ['3817', E_CBOR_NON_CANONICAL, '-24 in a 1-byte argument'],
    ['580161', E_CBOR_NON_CANONICAL, 'byte string length in a 1-byte argument'],
    ['a202010102', E_CBOR_NON_CANONICAL, 'keys 2 then 1'],
    ['a201010102', E_CBOR_DUP_KEY, 'key 1 twice'],
    ['a1616101', E_CBOR_UNSUPPORTED, 'a text key'],
    ['a12001', E_CBOR_UNSUPPORTED, 'a negative key'],
    ['0000', E_CBOR_TRAILING, 'two items'],
    ['62c328', E_CBOR_UTF8, 'a truncated 2-byte sequence'],
    ['62c0af', E_CBOR_UTF8, 'an overlong "/"'],
    ['63eda080', E_CBOR_UTF8, 'a UTF-16 surrogate'],
    ['64f4908080', E_CBOR_UTF8, 'a code point above U+10FFFF'],
    ['61ff', E_CBOR_UTF8, 'byte FF'],
    ['818181818181818180', E_CBOR_DEPTH, '9 nested arrays'],
    ['830102', E_CBOR_TRUNCATED, 'an array missing an item'],
    ['5a00010000', E_CBOR_TOO_LARGE, 'a byte string longer than any input'],
    ['5901f4', E_CBOR_TRUNCATED, 'a 500-byte string cut short'],
    ['990100', E_CBOR_TOO_LARGE, 'an array of 256 items'],
    ['1c', E_CBOR_MALFORMED, 'reserved additional information 28'],
    ['1f', E_CBOR_MALFORMED, 'an indefinite integer'],
    ['ff', E_CBOR_MALFORMED, 'a break outside an indefinite item'],
    ['f81f', E_CBOR_MALFORMED, 'simple(31) in the two-byte form'],
    ['a11c01', E_CBOR_MALFORMED, 'a reserved head as a key'],
    ['c0', E_CBOR_UNSUPPORTED, 'a tag'],
    ['f97e00', E_CBOR_UNSUPPORTED, 'a half float'],
  ];
  for (const [hex, code, what] of cases) {
    it(`rejects ${what} (${hex || 'empty'}) with ${ERRORS[code]?.[0]}`, () => {
      expect(decodeCbor(fromHex(hex))).toMatchObject({ ok: false, code: code });
      expect(decodeCborHost(fromHex(hex)).ok).toBe(false);
    });
  }
  it('accepts 8 nested arrays and the integer limits', () => {
    expect(decodeCbor(fromHex('8181818181818180')).ok).toBe(true);
    expect(decodeCbor(fromHex('1affffffff'))).toEqual({ ok: true, value: 2 ** 32 - 1 });
    expect(decodeCbor(fromHex('3affffffff'))).toEqual({ ok: true, value: -(2 ** 32) });
    expect(decodeCbor(fromHex('1b0000000100000000'))).toMatchObject({ code: E_CBOR_UNSUPPORTED });
  });
  it('caps the input at CBOR_MAX_BYTES', () => {
    const big = new Uint8Array(CBOR_MAX_BYTES + 1);
    big.set([0x59, 0x01, 0xfe]); // a 510-byte string: well-formed, but the input is one byte too long
    expect(decodeCbor(big)).toMatchObject({ ok: false, code: E_CBOR_TOO_LARGE });
    expect(decodeCbor(big.subarray(0, 513 - 1)).ok).toBe(false);
    const fits = new Uint8Array(CBOR_MAX_BYTES);
    fits.set([0x59, 0x01, 0xfd]);
    expect(decodeCbor(fits).ok).toBe(true);
  });
  it('encodes maps in ascending key order with shortest heads, and copies byte strings out', () => {
    const v = { 300: 'x', 2: new Uint8Array([1]), 0: -25, 24: [true, false, null] };
    expect(toHex(encodeCbor(v))).toBe(
      'a4' + '0038' + '18' + '02' + '4101' + '1818' + '83f5f4f6' + '19012c' + '6178',
    );
    const input = fromHex('a1014101');
    const r = decodeCbor(input);
    input[3] = 9;
    expect(r.ok && toHex((r.value as { 1: Uint8Array })[1])).toBe('01');
  });
  it('refuses to encode values outside the subset', () => {
    const bad: unknown[] = [
      1.5,
      2 ** 32,
      -(2 ** 32) - 1,
      Number.NaN,
      undefined,
      { a: 1 },
      { 1: undefined },
      '\ud800',
      new Map([[1, 2]]),
      [[[[[[[[[0]]]]]]]]],
    ];
    for (const v of bad) {
      expect(() => encodeCbor(v as CborValue)).toThrow(TypeError);
      expect(() => encodeCborHost(v as CborValue)).toThrow(TypeError);
    }
  });
});

describe('UTF-8 by hand', () => {
  it('matches TextEncoder/TextDecoder on every code point class', () => {
    const s = 'a\u007f\u0080\u07ff\u0800\uffff\u{10000}\u{10ffff}ü水𐅑';
    expect(toHex(utf8Encode(s))).toBe(toHex(new TextEncoder().encode(s)));
    const b = new TextEncoder().encode(s);
    expect(utf8Decode(b, 0, b.length)).toBe(s);
  });
});
