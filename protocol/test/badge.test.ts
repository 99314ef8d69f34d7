import { ecb } from '@noble/ciphers/aes.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAdvertisement, encodeAdvertisement } from '../src/badge/advert';
import { ephId, ephIdInput, SLOT_SECONDS, slotOf } from '../src/badge/ephid';
import { decodeTap, encodeTap, HDR_TAP_C, HDR_TAP_S } from '../src/badge/tap';
import { fromHex, toHex } from '../src/bytes';
import { nobleAes } from '../src/crypto/noble';
import { E_BADGE_HEADER, E_BADGE_LENGTH } from '../src/errors';

const k16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const ref = (key: Uint8Array, block: Uint8Array) => ecb(key, { disablePadding: true }).encrypt(block);

describe('EphID', () => {
  it('is AES-128(K_id, "BW" 01 ‖ 00×9 ‖ BE32(slot)) (independent block layout via @noble ecb)', () => {
    fc.assert(
      fc.property(k16, u32, (k, s) => {
        const block = new Uint8Array(16);
        block.set([0x42, 0x57, 0x01]);
        new DataView(block.buffer).setUint32(12, s, false);
        expect(toHex(ephIdInput(s))).toBe(toHex(block));
        return toHex(ephId(nobleAes, k, s)) === toHex(ref(k, block));
      }),
      { numRuns: 300 },
    );
  });

  it('reproduces the worked example of wire.md §9.1 (K_id = 00…0f, slot 6765, CID FFFF)', () => {
    const adv = encodeAdvertisement(
      0xffff,
      ephId(nobleAes, fromHex('000102030405060708090a0b0c0d0e0f'), 6765),
    );
    expect(toHex(adv)).toBe('02010614ffffff11115d75e6563a6e2b53bee108ca5711fe');
  });

  it('slot = floor(badge_time / 256)', () => {
    expect(SLOT_SECONDS).toBe(256);
    expect(slotOf(0)).toBe(0);
    expect(slotOf(255)).toBe(0);
    expect(slotOf(256)).toBe(1);
    expect(slotOf(0xffffffff)).toBe(0xffffff);
  });

  it('refuses wrong key sizes and non-u32 slots (programmer misuse)', () => {
    expect(() => ephId(nobleAes, new Uint8Array(32), 1)).toThrow(TypeError);
    expect(() => ephId(nobleAes, new Uint8Array(16), -1)).toThrow(TypeError);
    expect(() => ephId(nobleAes, new Uint8Array(16), 2 ** 32)).toThrow(TypeError);
  });
});

describe('BLE advertisement', () => {
  it('round-trips: 24 bytes, flags 06, manufacturer AD 0x14 FF, CID little-endian, hdr 11', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), k16, (cid, eph) => {
        const a = encodeAdvertisement(cid, eph);
        expect(a.length).toBe(24);
        expect(toHex(a.subarray(0, 5))).toBe('02010614ff');
        expect(a[5]! | (a[6]! << 8)).toBe(cid);
        const d = decodeAdvertisement(a);
        expect(d).toEqual({ ok: true, value: { cid: cid, hdr: 0x11, eph: eph } });
      }),
      { numRuns: 500 },
    );
  });

  it('accepts extra AD structures and zero padding, rejects others with typed errors', () => {
    const eph = new Uint8Array(16).fill(0xab);
    const a = encodeAdvertisement(0x1234, eph);
    const withName = new Uint8Array([...a, 3, 0x09, 0x41, 0x42, 0, 0]);
    expect(decodeAdvertisement(withName).ok).toBe(true);
    expect(decodeAdvertisement(a.subarray(0, 23))).toEqual({ ok: false, code: E_BADGE_LENGTH, at: 3 });
    expect(decodeAdvertisement(a.subarray(0, 3))).toEqual({ ok: false, code: E_BADGE_HEADER, at: -1 });
    const other = new Uint8Array(a);
    other[7] = 0x21;
    expect(decodeAdvertisement(other)).toEqual({ ok: false, code: E_BADGE_HEADER, at: 7 });
    const twice = new Uint8Array([...a.subarray(3), ...a.subarray(3, 10)]);
    expect(decodeAdvertisement(twice).ok).toBe(false);
    expect(decodeAdvertisement(new Uint8Array(32)).ok).toBe(false);
  });

  it('carries nothing that distinguishes badges besides the EphID', () => {
    const a = encodeAdvertisement(0xffff, new Uint8Array(16).fill(1));
    const b = encodeAdvertisement(0xffff, new Uint8Array(16).fill(2));
    expect(toHex(a.subarray(0, 8))).toBe(toHex(b.subarray(0, 8)));
  });

  it('refuses Espruino-style misuse: bad CID or EphID size', () => {
    expect(() => encodeAdvertisement(0x10000, new Uint8Array(16))).toThrow(TypeError);
    expect(() => encodeAdvertisement(1, new Uint8Array(8))).toThrow(TypeError);
  });
});

describe('NFC tap frame', () => {
  it('is hdr ‖ EphID ‖ AES(K_tap, BE32 ctr ‖ BE32 time ‖ chal) and decodes back', () => {
    fc.assert(
      fc.property(
        k16,
        k16,
        fc.boolean(),
        u32,
        u32,
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        (kt, eph, c, ctr, t, chal) => {
          const hdr = c ? HDR_TAP_C : HDR_TAP_S;
          const ch = c ? chal : new Uint8Array(8);
          const f = encodeTap(nobleAes, kt, eph, hdr, ctr, t, ch);
          const plain = new Uint8Array(16);
          const dv = new DataView(plain.buffer);
          dv.setUint32(0, ctr, false);
          dv.setUint32(4, t, false);
          plain.set(ch, 8);
          expect(toHex(f)).toBe(toHex(new Uint8Array([hdr, ...eph, ...ref(kt, plain)])));
          const d = decodeTap(f);
          if (!d.ok) throw new Error('decode');
          expect(d.value.hdr).toBe(hdr);
          expect(toHex(d.value.eph)).toBe(toHex(eph));
          expect(toHex(nobleAes.ecbDecrypt(kt, d.value.block))).toBe(toHex(plain));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodeTap: length and header errors', () => {
    const f = encodeTap(nobleAes, new Uint8Array(16), new Uint8Array(16), HDR_TAP_S, 1, 2, new Uint8Array(8));
    expect(decodeTap(f.subarray(0, 32))).toEqual({ ok: false, code: E_BADGE_LENGTH, at: 32 });
    expect(decodeTap(new Uint8Array([...f, 0]))).toEqual({ ok: false, code: E_BADGE_LENGTH, at: 33 });
    const g = new Uint8Array(f);
    g[0] = 0x11;
    expect(decodeTap(g)).toEqual({ ok: false, code: E_BADGE_HEADER, at: 0 });
  });

  it('encodeTap refuses out-of-range counters, times and sizes', () => {
    const z = new Uint8Array(16);
    expect(() => encodeTap(nobleAes, z, z, HDR_TAP_C, 2 ** 32, 0, new Uint8Array(8))).toThrow(TypeError);
    expect(() => encodeTap(nobleAes, z, z, HDR_TAP_C, 1, -1, new Uint8Array(8))).toThrow(TypeError);
    expect(() => encodeTap(nobleAes, z, z, HDR_TAP_C, 1, 1, new Uint8Array(7))).toThrow(TypeError);
    expect(() => encodeTap(nobleAes, z, z, 0x11, 1, 1, new Uint8Array(8))).toThrow(TypeError);
  });
});
