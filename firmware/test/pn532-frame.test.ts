import { fromHex, toHex } from '@badgewire/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACK_FRAME,
  decodePn532,
  encodePn532,
  F_ACK,
  F_BAD,
  F_DATA,
  F_ERROR,
  F_MORE,
  F_NACK,
  NACK_FRAME,
} from '../src/drivers/pn532-frame';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100000);

// Frames as printed in the PN532 User Manual UM0701-02 (§6.2.1 and the command examples of §7).
const MANUAL = {
  getFirmware: '0000ff02fed4022a00',
  getFirmwareResp: '0000ff06fad50332010607e800',
  samNormal: '0000ff05fbd414011401' + '0200',
  listOneA: '0000ff04fcd44a0100e100',
  ack: '0000ff00ff00',
  nack: '0000ffff0000',
  error: '0000ff01ff7f8100',
};

describe('PN532 frame codec (UM0701 §6.2.1)', () => {
  it('encodes host commands byte-exact', () => {
    expect(toHex(encodePn532(0xd4, fromHex('02')))).toBe(MANUAL.getFirmware);
    expect(toHex(encodePn532(0xd4, fromHex('14011401')))).toBe(MANUAL.samNormal);
    expect(toHex(encodePn532(0xd4, fromHex('4a0100')))).toBe(MANUAL.listOneA);
    expect(toHex(ACK_FRAME)).toBe(MANUAL.ack);
    expect(toHex(NACK_FRAME)).toBe(MANUAL.nack);
  });

  it('decodes the chip response, ACK, NACK and the error frame', () => {
    const r = decodePn532(fromHex(MANUAL.getFirmwareResp), 0, 13);
    expect(r.kind).toBe(F_DATA);
    expect(r.tfi).toBe(0xd5);
    expect(toHex(r.data)).toBe('0332010607');
    expect(r.used).toBe(13);
    expect(decodePn532(fromHex(MANUAL.ack), 0, 6)).toMatchObject({ kind: F_ACK, used: 6 });
    expect(decodePn532(fromHex(MANUAL.nack), 0, 6)).toMatchObject({ kind: F_NACK, used: 6 });
    expect(decodePn532(fromHex(MANUAL.error), 0, 8).kind).toBe(F_ERROR);
  });

  it('skips garbage before the start code and splits concatenated frames', () => {
    const buf = fromHex('13370000' + MANUAL.ack + MANUAL.getFirmwareResp);
    const a = decodePn532(buf, 0, buf.length);
    expect(a.kind).toBe(F_ACK);
    const b = decodePn532(buf, a.used, buf.length);
    expect(b.kind).toBe(F_DATA);
    expect(a.used + b.used).toBeLessThanOrEqual(buf.length);
  });

  it('asks for more on every truncation of a valid frame', () => {
    const f = fromHex(MANUAL.getFirmwareResp);
    for (let n = 0; n < f.length - 1; n++) expect(decodePn532(f, 0, n).kind).toBe(F_MORE);
  });

  it('rejects a bad length checksum and a bad data checksum', () => {
    const badLcs = fromHex(MANUAL.getFirmwareResp);
    badLcs[4] = 0xfb;
    expect(decodePn532(badLcs, 0, badLcs.length).kind).toBe(F_BAD);
    const badDcs = fromHex(MANUAL.getFirmwareResp);
    badDcs[11] = 0xe9;
    const r = decodePn532(badDcs, 0, badDcs.length);
    expect(r.kind).toBe(F_BAD);
    expect(r.used).toBe(13);
  });

  it('round-trips any body up to 254 bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 254 }),
        fc.constantFrom(0xd4, 0xd5),
        (body, tfi) => {
          const f = encodePn532(tfi, body);
          const r = decodePn532(f, 0, f.length);
          expect(r.kind).toBe(F_DATA);
          expect(toHex(r.data)).toBe(toHex(body));
          expect(r.used).toBe(f.length);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws and stays in bounds on random and mutated input', () => {
    const valid = fc.constantFrom(...Object.values(MANUAL).map(fromHex));
    const mutated = fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([f, i, v]) => {
      const c = new Uint8Array(f);
      c[i % c.length] = v;
      return c;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), mutated), fc.nat(8), (buf, s) => {
        const start = Math.min(s, buf.length);
        const r = decodePn532(buf, start, buf.length);
        expect(r.used).toBeGreaterThanOrEqual(0);
        expect(start + r.used).toBeLessThanOrEqual(buf.length);
        if (r.kind !== F_MORE) expect(r.used).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });
});
