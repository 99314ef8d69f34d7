/**
 * The firmware's own parsers of outside input never throw and stay in bounds: the badge's ISO-DEP + APDU
 * handler (raw NFC frames from any reader), the reader's advertisement filter (any BLE packet), and the
 * reader's config loader (whatever is in Storage).
 */
import { encodeAdvertisement, fromHex, keyUsable, nobleAes, toHex } from '@badgewire/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BADGE_TUNING, startBadge } from '../src/app/badge';
import { loadConfig } from '../src/app/config';
import { ephOffset, Sightings } from '../src/app/sightings';
import { FakeClock, FakeFlash, FakeRadio } from './fakes';
import { FakeTag } from './fakes-tag';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100000);

describe('firmware input parsers under random and mutated input', () => {
  it('badge ISO-DEP/APDU handler: never throws, answers are bounded, the counter moves by one per served tap', () => {
    const flash = new FakeFlash();
    flash.write(
      'bw.badge',
      fromHex('000102030405060708090a0b0c0d0e0f' + 'f0e0d0c0b0a090807060504030201000' + 'ffff'),
    );
    const tag = new FakeTag();
    const badge = startBadge(
      {
        radio: new FakeRadio(),
        tag,
        flash,
        clock: new FakeClock(),
        aes: nobleAes,
        rnd: { fill: (o) => o.fill(7) },
        log: () => {},
      },
      BADGE_TUNING,
    )!;
    const seeds = [
      fromHex('e050'),
      fromHex('0200a4040006f0425754415000'),
      fromHex('038012000021'),
      fromHex('028010000008a1a2a3a4a5a6a7a821'),
      fromHex('c2'),
      fromHex('b2'),
    ];
    const mutated = fc
      .tuple(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 0, max: 255 }))
      .map(([f, i, v]) => {
        const c = new Uint8Array(f);
        c[i % c.length] = v;
        return c;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated, fc.constantFrom(...seeds)), (f) => {
        const before = badge.ctr;
        const r = tag.xfer(f);
        if (r) expect(r.length).toBeLessThanOrEqual(64);
        const served = r !== null && r.length === 36 && r[34] === 0x90;
        // An R(ACK) may repeat the last served block; only a new tap moves the counter, by exactly one.
        expect(badge.ctr - before).toBeLessThanOrEqual(1);
        if (badge.ctr > before) expect(served).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('advertisement filter: never throws; accepts only presence frames', () => {
    const s = new Sightings(1000, 8);
    const adverts = fc
      .tuple(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.nat(23),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
      )
      .map(([eph, i, v, mutate]) => {
        const a = encodeAdvertisement(0xffff, eph);
        if (mutate) a[i] = v;
        return a;
      });
    let t = 0;
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 31 }), adverts),
        fc.integer({ min: -127, max: 20 }),
        (d, rssi) => {
          t += 7;
          const at = ephOffset(d);
          if (s.accept({ data: d, rssi }, t)) {
            expect(at).toBeGreaterThanOrEqual(5);
            expect(d[at - 1]).toBe(0x11);
            expect(at + 16).toBeLessThanOrEqual(d.length);
          }
          expect(s.keys.length).toBeLessThanOrEqual(8);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('config loader: never throws on any JSON shape in Storage', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const f = new FakeFlash();
        f.writeJSON('bw.cfg', v);
        const c = loadConfig(f);
        if (c) {
          expect(c.id.length).toBe(8);
          expect(c.key.length).toBe(32);
        }
      }),
      { numRuns: Math.min(RUNS, 20000) },
    );
  });

  it('config loader: reads the hex id and key as the protocol fromHex does, and refuses anything not hex', () => {
    const hexText = fc
      .uint8Array({ minLength: 40, maxLength: 40 })
      .chain((b) =>
        fc.tuple(fc.constant(b), fc.boolean(), fc.nat(79), fc.constantFrom('g', ' ', '+', 'x', '-')),
      );
    fc.assert(
      fc.property(hexText, ([b, spoil, at, bad]) => {
        const hex = toHex(b);
        const text = spoil ? hex.slice(0, at) + bad + hex.slice(at + 1) : hex.toUpperCase();
        const f = new FakeFlash();
        f.writeJSON('bw.cfg', { id: text.slice(0, 16), key: text.slice(16) });
        const c = loadConfig(f);
        if (spoil) expect(c).toBeNull();
        else if (keyUsable(b.subarray(8))) {
          expect(toHex(c!.id)).toBe(toHex(fromHex(text.slice(0, 16))));
          expect(toHex(c!.key)).toBe(toHex(fromHex(text.slice(16))));
        }
      }),
      { numRuns: Math.min(RUNS, 20000) },
    );
  });
});
