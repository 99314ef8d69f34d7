import { cmac as nobleCmac, ctr as nobleCtr } from '@noble/ciphers/aes.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/bytes';
import { cmac, cmacKey } from '../src/crypto/cmac';
import { ctr } from '../src/crypto/ctr';
import { nobleAes } from '../src/crypto/noble';
import { sharedVector } from './vectors';

describe('AES port (FIPS-197)', () => {
  const v = sharedVector('fips197-aes.json');
  for (const t of v.vectors) {
    it(`${t.id} encrypts and decrypts`, () => {
      const key = fromHex(t.key);
      expect(toHex(nobleAes.ecb(key, fromHex(t.plaintext)))).toBe(t.ciphertext);
      expect(toHex(nobleAes.ecbDecrypt(key, fromHex(t.ciphertext)))).toBe(t.plaintext);
    });
  }
});

describe('AES-CMAC (RFC 4493 §4)', () => {
  const v = sharedVector('rfc4493-aes-cmac.json');
  const key = fromHex(v.key);
  it('derives the subkeys', () => {
    const ck = cmacKey(nobleAes, key);
    expect(toHex(ck.k1)).toBe(v.subkeys.k1);
    expect(toHex(ck.k2)).toBe(v.subkeys.k2);
  });
  for (const t of v.vectors) {
    it(`${t.id}`, () => expect(toHex(cmac(nobleAes, key, fromHex(t.message)))).toBe(t.tag));
  }
  it('equals @noble/ciphers cmac for random keys (16 and 32 bytes) and messages', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 16, maxLength: 16 }),
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
        ),
        fc.uint8Array({ maxLength: 100 }),
        (k, m) => toHex(cmac(nobleAes, k, m)) === toHex(nobleCmac(m, k)),
      ),
      { numRuns: 500 },
    );
  });
});

describe('AES-CTR from ECB', () => {
  it('equals @noble/ciphers ctr, including counter carries', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 80 }),
        (k, iv, m) => {
          iv[15] = 0xfe; // force a carry across bytes inside the message
          iv[14] = 0xff;
          return toHex(ctr(nobleAes, k, iv, m)) === toHex(nobleCtr(k, iv).encrypt(m));
        },
      ),
      { numRuns: 300 },
    );
  });
});
