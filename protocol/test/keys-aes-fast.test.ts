import { unsafe } from '@noble/ciphers/aes.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/bytes';
import { fastAes } from '../src/crypto/fast';
import { nobleAes } from '../src/crypto/noble';
import { sharedVector } from './vectors';

const key = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
  fc.uint8Array({ minLength: 24, maxLength: 24 }),
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
);
const data = fc
  .integer({ min: 0, max: 6 })
  .chain((n) => fc.uint8Array({ minLength: 16 * n, maxLength: 16 * n }));
const iv = fc.uint8Array({ minLength: 16, maxLength: 16 });

describe('fastAes (cached schedules) against nobleAes', () => {
  it('FIPS-197 vectors', () => {
    for (const t of sharedVector('fips197-aes.json').vectors) {
      const k = fromHex(t.key);
      expect(toHex(fastAes.ecb(k, fromHex(t.plaintext)))).toBe(t.ciphertext);
      expect(toHex(fastAes.ecbDecrypt(k, fromHex(t.ciphertext)))).toBe(t.plaintext);
    }
  });

  it('ECB, CBC and both decryptions equal @noble for random keys, IVs and data', () => {
    fc.assert(
      fc.property(key, iv, data, (k, v, d) => {
        expect(toHex(fastAes.ecb(k, d))).toBe(toHex(nobleAes.ecb(k, d)));
        expect(toHex(fastAes.cbc(k, v, d))).toBe(toHex(nobleAes.cbc(k, v, d)));
        expect(toHex(fastAes.ecbDecrypt(k, d))).toBe(toHex(nobleAes.ecbDecrypt(k, d)));
        expect(toHex(fastAes.cbcDecrypt(k, v, d))).toBe(toHex(nobleAes.cbcDecrypt(k, v, d)));
      }),
      { numRuns: 400 },
    );
  });

  it('never returns a stale schedule when a cached key is mutated in place', () => {
    const k = new Uint8Array(16).fill(7);
    const block = new Uint8Array(16);
    const before = toHex(fastAes.ecb(k, block));
    k[3] = 8;
    expect(toHex(fastAes.ecb(k, block))).toBe(toHex(nobleAes.ecb(new Uint8Array(k), block)));
    expect(toHex(fastAes.ecb(k, block))).not.toBe(before);
    expect(toHex(fastAes.ecbDecrypt(k, fastAes.ecb(k, block)))).toBe(toHex(block));
  });

  it('does not alias or modify its inputs', () => {
    const k = new Uint8Array(16).fill(1);
    const d = new Uint8Array(32).fill(2);
    const v = new Uint8Array(16).fill(3);
    const out = fastAes.cbc(k, v, d);
    expect(out.buffer).not.toBe(d.buffer);
    expect(toHex(d)).toBe('02'.repeat(32));
    expect(toHex(v)).toBe('03'.repeat(16));
  });

  it('rejects partial blocks, bad IVs and bad key sizes like nobleAes', () => {
    const k = new Uint8Array(16);
    expect(() => fastAes.ecb(k, new Uint8Array(15))).toThrow(TypeError);
    expect(() => fastAes.cbc(k, new Uint8Array(8), new Uint8Array(16))).toThrow(TypeError);
    expect(() => fastAes.ecb(new Uint8Array(17), new Uint8Array(16))).toThrow(TypeError);
  });

  it('the block core it calls is the one @noble ecb uses (unsafe.encrypt on words)', () => {
    const k = fromHex('000102030405060708090a0b0c0d0e0f');
    const r = unsafe.encrypt(unsafe.expandKeyLE(k), 0, 0, 0, 0);
    const w = new Uint32Array([r.s0, r.s1, r.s2, r.s3]);
    expect(toHex(new Uint8Array(w.buffer))).toBe(toHex(nobleAes.ecb(k, new Uint8Array(16))));
  });
});
