/**
 * The reader bundle's own crypto (crypto/lean-cmac.ts, the record CTR and the inline KDF of link/responder.ts)
 * held to the shared implementations the host uses (cmac.ts, ctr.ts, kdf.ts), to @noble/ciphers and to the
 * RFC 4493 vectors.
 */
import { cmac as nobleCmac } from '@noble/ciphers/aes.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ascii, concat, fromHex, toHex } from '../src/bytes';
import { cmac, cmacKey } from '../src/crypto/cmac';
import { ctr } from '../src/crypto/ctr';
import { kdfCmac } from '../src/crypto/kdf';
import { cmacLean, cmacSubkeys } from '../src/crypto/lean-cmac';
import { nobleAes } from '../src/crypto/noble';
import { encodeHello } from '../src/link/handshake';
import { type LeanSession, recCtr, respond, responder } from '../src/link/responder';
import { INFO, KR, RID, seededRandom } from './link-fixtures';
import { sharedVector } from './vectors';

const key = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
);
/** cmacLean leaves the last 8 bytes out: the message plus 8 bytes that must not matter. */
const withTail = (m: Uint8Array, t: Uint8Array) => concat([m, t]);

describe('lean CMAC', () => {
  const v = sharedVector('rfc4493-aes-cmac.json');
  const k = fromHex(v.key);
  it('derives the RFC 4493 subkeys and tags every non-empty RFC 4493 message', () => {
    const sk = cmacSubkeys(nobleAes, k);
    expect(toHex(sk.subarray(0, 16))).toBe(v.subkeys.aes_k_zero);
    expect(toHex(sk.subarray(16, 32))).toBe(v.subkeys.k1);
    expect(toHex(sk.subarray(32, 48))).toBe(v.subkeys.k2);
    let n = 0;
    for (const t of v.vectors as { message: string; tag: string }[]) {
      if (!t.message) continue;
      expect(toHex(cmacLean(nobleAes, sk, withTail(fromHex(t.message), new Uint8Array(8).fill(0xee))))).toBe(
        t.tag,
      );
      n++;
    }
    expect(n).toBe(3);
  });

  it('equals cmac.ts and @noble/ciphers for random 16/32-byte keys, messages of 1..200 bytes and any tail', () => {
    fc.assert(
      fc.property(
        key,
        fc.uint8Array({ minLength: 1, maxLength: 200, size: 'max' }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        (k, m, tail) => {
          const ck = cmacKey(nobleAes, k);
          const sk = cmacSubkeys(nobleAes, k);
          expect(toHex(sk.subarray(16))).toBe(toHex(concat([ck.k1, ck.k2, k])));
          const want = toHex(cmac(nobleAes, k, m));
          expect(want).toBe(toHex(nobleCmac(m, k)));
          expect(toHex(cmacLean(nobleAes, sk, withTail(m, tail)))).toBe(want);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('subkeys take the 0x87 reduction exactly when the top bit is set', () => {
    // An AES port whose "encryption of zero" is chosen, so both branches of each doubling are reached.
    for (const l of [
      '80000000000000000000000000000000',
      '7fffffffffffffffffffffffffffffff',
      'c0' + '00'.repeat(15),
    ]) {
      const fixed = { ecb: () => fromHex(l), cbc: () => new Uint8Array(16) };
      const sk = cmacSubkeys(fixed, new Uint8Array(16));
      const ck = cmacKey(fixed, new Uint8Array(16));
      expect(toHex(sk.subarray(16, 48))).toBe(toHex(concat([ck.k1, ck.k2])));
    }
  });
});

describe('lean record CTR', () => {
  it('equals ctr.ts over the spec IV (dir ‖ sid ‖ BE32 counter ‖ 0^4) for every body length up to 498 bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 176, maxLength: 176 }),
        fc.constantFrom(1, 2),
        fc.oneof(fc.constantFrom(1, 0xffffffff, 0x01000000), fc.integer({ min: 1, max: 0xffffffff })),
        // size 'max': fast-check's default size keeps arrays to a few bytes, and the blocks after the first matter.
        fc.uint8Array({ minLength: 1, maxLength: 498, size: 'max' }),
        (k, d, c, body) => {
          const s: LeanSession = { k: k, m: [], tx: 0, rx: 0, f: 0, t: 0, h: new Uint8Array(0) };
          const iv = concat([
            new Uint8Array([d - 1]),
            k.subarray(160, 167),
            new Uint8Array([c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255, c & 255, 0, 0, 0, 0]),
          ]);
          const want = ctr(nobleAes, k.subarray(64 * d - 32, 64 * d), iv, body);
          expect(toHex(recCtr(nobleAes, s, d, c, body))).toBe(toHex(want));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('lean KDF', () => {
  it('the pending session holds kdf.ts output for "BW-SC keys" ‖ ver ‖ readerId ‖ Nh ‖ Nr, and the MAC subkeys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(), (nh, seed) => {
        const r = responder(nobleAes, seededRandom(seed + 1), RID, KR, INFO);
        if (!r) throw new Error('responder refused');
        const st = respond(r, encodeHello(1, 1, nh), 1000);
        expect(st.fail).toBe(0);
        const auth = st.send as Uint8Array;
        const nr = auth.subarray(15, 31);
        const p = r.p as LeanSession;
        const want = kdfCmac(
          nobleAes,
          KR,
          ascii('BW-SC keys'),
          concat([new Uint8Array([1]), RID, nh, nr]),
          167,
        );
        expect(toHex(p.k.subarray(0, 167))).toBe(toHex(want));
        // K_conf, K_mac host-to-reader, K_mac reader-to-host, each with its subkeys.
        for (const i of [0, 1, 2]) {
          const mk = want.subarray(64 * i, 64 * i + 32);
          const ck = cmacKey(nobleAes, mk);
          expect(toHex((p.m[i] as Uint8Array).subarray(16))).toBe(toHex(concat([ck.k1, ck.k2, mk])));
        }
      }),
      { numRuns: 300 },
    );
  });
});
