import { cmac as nobleCmac } from '@noble/ciphers/aes.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { an10922 } from '../src/badge/an10922';
import { deriveBadgeKeys, deriveSunKeys } from '../src/badge/keys';
import { ascii, concat, fromHex, toHex } from '../src/bytes';
import { fastAes } from '../src/crypto/fast';
import { nobleAes } from '../src/crypto/noble';
import { sharedVector } from './vectors';

/** SP 800-108 counter-mode KDF written out over @noble's cmac: the reference for the key hierarchy. */
function refKdf(key: Uint8Array, label: string, context: Uint8Array, outLen: number): Uint8Array {
  const out = new Uint8Array(outLen);
  const bits = outLen * 8;
  for (let i = 1; (i - 1) * 16 < outLen; i++) {
    const m = concat([
      new Uint8Array([i]),
      ascii(label),
      new Uint8Array([0]),
      context,
      new Uint8Array([bits >> 8, bits & 255]),
    ]);
    out.set(nobleCmac(m, key).subarray(0, Math.min(16, outLen - (i - 1) * 16)), (i - 1) * 16);
  }
  return out;
}

describe('AN10922 AES-128 diversification', () => {
  const v = sharedVector('nxp-an10922-diversification.json');
  for (const t of v.vectors) {
    it(`${t.id}: M, padded input and diversified key`, () => {
      const m = concat([fromHex(t.uid), fromHex(t.aid), fromHex(t.system_identifier)]);
      expect(toHex(m)).toBe(t.m);
      expect(toHex(an10922(nobleAes, fromHex(t.master_key), m))).toBe(t.diversified_key);
      expect(toHex(an10922(fastAes, fromHex(t.master_key), m))).toBe(t.diversified_key);
      // The padded 32-byte input masked with K2 and run through CBC gives the same key (vector's own fields).
      const d = fromHex(t.cmac_input_padded);
      const k2 = fromHex(t.k2);
      for (let i = 0; i < 16; i++) d[16 + i] = (d[16 + i] as number) ^ (k2[i] as number);
      const c = nobleAes.cbc(fromHex(t.master_key), new Uint8Array(16), d);
      expect(toHex(c.subarray(16))).toBe(t.diversified_key);
    });
  }

  it('equals plain CMAC exactly when 16 < |01 ‖ M| <= 32, and differs for short M', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 1, maxLength: 31 }),
        (k, m) => {
          const plain = toHex(nobleCmac(concat([new Uint8Array([1]), m]), k));
          const div = toHex(an10922(nobleAes, k, m));
          return m.length + 1 > 16 ? div === plain : div !== plain;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects M outside 1..31 bytes', () => {
    expect(() => an10922(nobleAes, new Uint8Array(16), new Uint8Array(0))).toThrow(TypeError);
    expect(() => an10922(nobleAes, new Uint8Array(16), new Uint8Array(32))).toThrow(TypeError);
  });
});

describe('badge key hierarchy', () => {
  const mk = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
  it('K_b = KDF(MK, BW-BADGE, serial, 32); K_id, K_tap = KDF(K_b, BW-ID / BW-TAP, "", 16)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (serial) => {
        const kb = refKdf(mk, 'BW-BADGE', serial, 32);
        const k = deriveBadgeKeys(fastAes, mk, serial);
        expect(toHex(k.kId)).toBe(toHex(refKdf(kb, 'BW-ID', new Uint8Array(0), 16)));
        expect(toHex(k.kTap)).toBe(toHex(refKdf(kb, 'BW-TAP', new Uint8Array(0), 16)));
        expect(toHex(k.kId)).not.toBe(toHex(k.kTap));
      }),
      { numRuns: 100 },
    );
  });

  it('different serials and different master keys give unrelated keys', () => {
    const a = deriveBadgeKeys(nobleAes, mk, ascii('S-0001'));
    const b = deriveBadgeKeys(nobleAes, mk, ascii('S-0002'));
    const mk2 = new Uint8Array(mk);
    mk2[31] = (mk2[31] as number) ^ 1;
    const c = deriveBadgeKeys(nobleAes, mk2, ascii('S-0001'));
    expect(
      new Set([toHex(a.kId), toHex(b.kId), toHex(c.kId), toHex(a.kTap), toHex(b.kTap), toHex(c.kTap)]).size,
    ).toBe(6);
  });

  it('SUN event keys come from the same MK with their own labels', () => {
    const s = deriveSunKeys(nobleAes, mk);
    expect(toHex(s.metaRead)).toBe(toHex(refKdf(mk, 'BW-SUN-META', new Uint8Array(0), 16)));
    expect(toHex(s.fileMaster)).toBe(toHex(refKdf(mk, 'BW-SUN-FILE', new Uint8Array(0), 16)));
    expect(toHex(s.ref)).toBe(toHex(refKdf(mk, 'BW-SUN-REF', new Uint8Array(0), 16)));
  });

  it('refuses a master key that is not 32 bytes and an empty serial', () => {
    expect(() => deriveBadgeKeys(nobleAes, new Uint8Array(16), ascii('x'))).toThrow(TypeError);
    expect(() => deriveBadgeKeys(nobleAes, mk, new Uint8Array(0))).toThrow(TypeError);
  });
});
