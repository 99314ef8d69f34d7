import { encodeTap, ephId, fromHex, nobleAes, toHex } from '@badgewire/protocol';
import { ecb } from '@noble/ciphers/aes.js';
import { describe, expect, it } from 'vitest';
import { challengeApdu, READ_S, SELECT_BW } from '../src/app/apdu';
import { BADGE_TUNING, CTR_FILE, startBadge } from '../src/app/badge';
import { FakeClock, FakeFlash, FakeRadio, FakeSystem } from './fakes';
import { FakeTag } from './fakes-tag';

// SPEC/wire §9.1 example: K_id = 00..0f, slot 6765 → this advertisement (CID FFFF).
const KID = '000102030405060708090a0b0c0d0e0f';
const KTAP = 'f0e0d0c0b0a090807060504030201000';
const ADV_6765 = '02010614ffffff11115d75e6563a6e2b53bee108ca5711fe';

function rig(flash = new FakeFlash(), seed = 1) {
  const clock = new FakeClock();
  const radio = new FakeRadio();
  const tag = new FakeTag();
  const sys = new FakeSystem();
  let s = seed;
  const rnd = {
    fill(o: Uint8Array) {
      for (let i = 0; i < o.length; i++) o[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
    },
  };
  if (!flash.files.has('bw.badge')) flash.write('bw.badge', fromHex(KID + KTAP + 'ffff'));
  const badge = startBadge(
    { radio, tag, flash, clock, aes: nobleAes, rnd, log: (m: string) => sys.log(m) },
    BADGE_TUNING,
  );
  return { clock, radio, tag, sys, flash, badge };
}

/** Wraps an APDU in an ISO-DEP I-block with block number `bn`. */
function iblock(apdu: Uint8Array, bn: number): Uint8Array {
  return Uint8Array.from([0x02 | bn, ...apdu]);
}

describe('badge app', () => {
  it('advertises the spec example frame for slot 6765, with a random static address set in the same step', () => {
    const flash = new FakeFlash();
    flash.writeJSON('bw.clk', { t: 6765 * 256 + 10 });
    const r = rig(flash);
    expect(r.radio.adverts.map((a) => toHex(a!))).toEqual([ADV_6765]);
    expect(r.radio.addresses).toHaveLength(1);
    expect((r.radio.addresses[0]![0]! & 0xc0) === 0xc0).toBe(true);
  });

  it('rotates EphID and address together between the slot boundary and 60 s after it', () => {
    const flash = new FakeFlash();
    flash.writeJSON('bw.clk', { t: 1000 * 256 });
    const r = rig(flash, 7);
    const at: number[] = [];
    const adv = r.radio.advertise.bind(r.radio);
    r.radio.advertise = (d: Uint8Array | null, ms: number) => {
      at.push(r.badge!.time());
      expect(r.radio.addresses).toHaveLength(r.radio.adverts.length + 1);
      adv(d, ms);
    };
    r.clock.advance(10 * 256_000);
    expect(at.length).toBeGreaterThanOrEqual(9);
    const offsets = at.map((t, k) => t - (1001 + k) * 256);
    for (const o of offsets) expect(o >= 0 && o <= 60).toBe(true);
    // The jitter really varies (0–60 s), so the switch instant does not reveal the clock.
    expect(new Set(offsets).size).toBeGreaterThan(3);
    const ids = r.radio.adverts.map((a) => toHex(a!.subarray(8)));
    expect(new Set(ids).size).toBe(ids.length);
    const addrs = r.radio.addresses.map(toHex);
    expect(new Set(addrs).size).toBe(addrs.length);
    for (const a of r.radio.adverts) expect(a!.length).toBe(24);
  });

  it('persists badge_time periodically and resumes from it after a reboot', () => {
    const r = rig();
    r.clock.advance(3 * 3600 * 1000 + 5);
    expect(r.flash.readJSON('bw.clk')).toEqual({ t: 3 * 3600 });
    const r2 = rig(r.flash);
    expect(r2.badge!.time()).toBe(3 * 3600);
  });

  it('answers RATS, SELECT and a mode C challenge with a tap frame the host can decrypt', () => {
    const r = rig();
    expect(toHex(r.tag.xfer(fromHex('e050'))!)).toBe('0205');
    expect(toHex(r.tag.xfer(iblock(SELECT_BW, 0))!)).toBe('029000');
    const chal = fromHex('0102030405060708');
    const resp = r.tag.xfer(iblock(challengeApdu(chal), 1))!;
    expect(resp[0]).toBe(0x03);
    expect(resp.length).toBe(1 + 33 + 2);
    expect(toHex(resp.subarray(34))).toBe('9000');
    const frame = resp.subarray(1, 34);
    expect(frame[0]).toBe(0x12);
    // Differential: the protocol's own tap encoder gives the same frame for the same inputs.
    const b = r.badge!;
    const eph = ephId(nobleAes, fromHex(KID), Math.floor(b.time() / 256));
    expect(toHex(frame)).toBe(toHex(encodeTap(nobleAes, fromHex(KTAP), eph, 0x12, 1, b.time(), chal)));
    const plain = ecb(fromHex(KTAP), { disablePadding: true }).decrypt(frame.subarray(17, 33));
    expect(toHex(plain.subarray(0, 4))).toBe('00000001');
    expect(toHex(plain.subarray(8))).toBe(toHex(chal));
    expect(r.flash.readJSON(CTR_FILE)).toEqual({ c: 1 });
  });

  it('counter strictly increases, is persisted before use, and survives a reboot', () => {
    const r = rig();
    r.tag.xfer(iblock(SELECT_BW, 0));
    r.tag.xfer(iblock(READ_S, 1));
    r.tag.xfer(iblock(READ_S, 0));
    const r2 = rig(r.flash);
    r2.tag.xfer(iblock(SELECT_BW, 0));
    const resp = r2.tag.xfer(iblock(READ_S, 1))!;
    const plain = ecb(fromHex(KTAP), { disablePadding: true }).decrypt(resp.subarray(18, 34));
    expect(toHex(plain.subarray(0, 4))).toBe('00000003');
    expect(resp[1]).toBe(0x13);
    // A flash that refuses the write refuses the tap: no frame with an unpersisted counter.
    r2.flash.writeJSON = () => false;
    expect(toHex(r2.tag.xfer(iblock(READ_S, 0))!)).toBe('026985');
  });

  it('refuses taps before SELECT and uses a fresh random UID per field session', () => {
    const r = rig();
    expect(toHex(r.tag.xfer(iblock(READ_S, 0))!)).toBe('026985');
    r.tag.fieldCb!(true);
    r.tag.fieldCb!(false);
    r.tag.fieldCb!(true);
    r.tag.fieldCb!(false);
    expect(r.tag.uids).toHaveLength(3);
    expect(new Set(r.tag.uids).size).toBe(3);
    for (const u of r.tag.uids) expect(u).toHaveLength(14);
  });

  it('refuses to run unprovisioned', () => {
    const flash = new FakeFlash();
    flash.write('bw.badge', fromHex(KID));
    const r = rig(flash);
    expect(r.badge).toBeNull();
    expect(r.sys.logs[0]).toMatch(/not provisioned/);
    expect(r.radio.adverts).toHaveLength(0);
  });
});
