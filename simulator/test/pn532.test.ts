import { E_APP_NFC_FRAME, E_APP_NFC_TIMEOUT, fromHex, toHex } from '@badgewire/protocol';
import { describe, expect, it } from 'vitest';
import {
  hsuBus,
  i2cBus,
  NFC_ISODEP,
  NFC_NONE,
  NFC_OTHER,
  PN532_DEFAULTS,
  Pn532,
} from '../../firmware/src/index';
import { FakeClock } from '../../firmware/test/fakes';
import { PN532_I2C_ADDR, VirtualPn532, type VirtualTag } from '../src/chips/pn532';

const UID = fromHex('04a1b2c3d4e5f6');

function echoTag(isoDep = true): VirtualTag & { seen: string[]; fields: boolean[] } {
  const seen: string[] = [];
  const fields: boolean[] = [];
  return {
    uid: UID,
    isoDep,
    seen,
    fields,
    transceive(apdu) {
      seen.push(toHex(apdu));
      return Uint8Array.from([...apdu.subarray(0, 2), 0x90, 0x00]);
    },
    field(on) {
      fields.push(on);
    },
  };
}

function rig(wire: 'i2c' | 'hsu') {
  const clock = new FakeClock();
  const chip = new VirtualPn532();
  const bus =
    wire === 'i2c'
      ? i2cBus(
          { writeTo: (a, d) => chip.i2cWrite(a, d), readFrom: (a, n) => chip.i2cRead(a, n) },
          PN532_I2C_ADDR,
        )
      : // Espruino delivers UART bytes as a string, one char per byte.
        hsuBus(
          {
            write: (d) => chip.uartWrite(d),
            on: (_ev, cb) => chip.uartOnTx((b) => cb(String.fromCharCode(...b))),
          },
          300,
        );
  const drv = new Pn532(bus, clock, PN532_DEFAULTS);
  /** Runs a callback API to completion on virtual time. */
  function run<T extends unknown[]>(f: (cb: (...a: T) => void) => void, ms = 5000): T {
    let out: T | undefined;
    f((...a: T) => {
      out = a;
    });
    for (let t = 0; t < ms && !out; t += 5) clock.advance(5);
    if (!out) throw new Error('no callback within ' + ms + ' ms');
    return out;
  }
  return { clock, chip, drv, run };
}

describe.each(['i2c', 'hsu'] as const)('PN532 driver ↔ emulator over %s', (wire) => {
  it('wakes, configures SAM and reads the firmware version', () => {
    const { chip, drv, run } = rig(wire);
    expect(run((cb) => drv.init(cb))).toEqual([0]);
    expect(chip.configured).toBe(true);
    const [err, v] = run<[number, Uint8Array | null]>((cb) => drv.command(0x02, new Uint8Array(0), cb));
    expect(err).toBe(0);
    expect(toHex(v!)).toBe('32010607');
    expect(chip.stats.commands).toEqual([0x14, 0x32, 0x02]);
  });

  it('detects an ISO-DEP target, exchanges an APDU, and never hands out the UID', () => {
    const { chip, drv, run } = rig(wire);
    const tag = echoTag();
    chip.place(tag);
    expect(run<[number, number]>((cb) => drv.detect(cb))).toEqual([0, NFC_ISODEP]);
    expect(JSON.stringify(drv)).not.toContain(String(UID[1]) + ',' + String(UID[2]));
    expect(Array.from(drv.rx).every((b) => b === 0)).toBe(true);
    const [err, resp] = run<[number, Uint8Array | null]>((cb) => drv.apdu(fromHex('00a4040000'), cb));
    expect(err).toBe(0);
    expect(toHex(resp!)).toBe('00a49000');
    expect(tag.seen).toEqual(['00a4040000']);
    expect(run((cb) => drv.release(cb))).toEqual([0]);
    expect(tag.fields).toEqual([true, false]);
  });

  it('reports no target and a non-ISO-DEP target', () => {
    const { chip, drv, run } = rig(wire);
    expect(run<[number, number]>((cb) => drv.detect(cb))).toEqual([0, NFC_NONE]);
    chip.place(echoTag(false));
    expect(run<[number, number]>((cb) => drv.detect(cb))).toEqual([0, NFC_OTHER]);
  });

  it('times out after its retries when the chip stops answering, then recovers with wake + SAM', () => {
    const { chip, drv, run, clock } = rig(wire);
    expect(run((cb) => drv.init(cb))).toEqual([0]);
    chip.mute = true;
    const t0 = clock.now();
    expect(run<[number, number]>((cb) => drv.detect(cb))).toEqual([E_APP_NFC_TIMEOUT, NFC_NONE]);
    // Three attempts, each waiting for the ACK.
    expect(drv.stats.timeouts).toBe(3);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(3 * PN532_DEFAULTS.ackMs);
    expect(drv.ready).toBe(false);
    chip.mute = false;
    chip.sleep();
    chip.place(echoTag());
    const before = chip.stats.wakes;
    expect(run<[number, number]>((cb) => drv.detect(cb))).toEqual([0, NFC_ISODEP]);
    expect(chip.stats.wakes).toBe(before + 1);
    expect(chip.configured).toBe(true);
  });

  it('recovers from a corrupted response with a NACK (the chip resends)', () => {
    const { chip, drv, run } = rig(wire);
    run((cb) => drv.init(cb));
    chip.corrupt = 1;
    const [err, v] = run<[number, Uint8Array | null]>((cb) => drv.command(0x02, new Uint8Array(0), cb));
    expect(err).toBe(0);
    expect(toHex(v!)).toBe('32010607');
    expect(chip.stats.nacks).toBe(1);
    expect(drv.stats.bad).toBe(1);
  });

  it('fails with a frame error when the resent response is also corrupt', () => {
    const { chip, drv, run } = rig(wire);
    run((cb) => drv.init(cb));
    chip.corrupt = 2;
    const [err] = run<[number, Uint8Array | null]>((cb) => drv.command(0x02, new Uint8Array(0), cb));
    expect(err).toBe(E_APP_NFC_FRAME);
    expect(drv.ready).toBe(false);
  });

  it('maps an InDataExchange status error and a missing target to a frame error', () => {
    const { chip, drv, run } = rig(wire);
    const tag = echoTag();
    chip.place(tag);
    run<[number, number]>((cb) => drv.detect(cb));
    tag.transceive = () => null;
    const [err, resp] = run<[number, Uint8Array | null]>((cb) => drv.apdu(fromHex('00b0000000'), cb));
    expect(err).toBe(E_APP_NFC_FRAME);
    expect(resp).toBeNull();
  });

  it('answers an unknown command with the error frame', () => {
    const { drv, run } = rig(wire);
    run((cb) => drv.init(cb));
    const [err] = run<[number, Uint8Array | null]>((cb) => drv.command(0x7e, new Uint8Array(0), cb));
    expect(err).toBe(E_APP_NFC_FRAME);
  });
});

describe('VirtualPn532 wire details', () => {
  it('needs the 55 wake-up preamble on HSU and ignores frames before it', () => {
    const chip = new VirtualPn532();
    const got: string[] = [];
    chip.uartOnTx((b) => got.push(toHex(b)));
    chip.uartWrite(fromHex('0000ff02fed4022a00'));
    expect(got).toEqual([]);
    chip.uartWrite(fromHex('55550000000000000000000000000000'));
    chip.uartWrite(fromHex('0000ff02fed4022a00'));
    expect(got).toEqual(['0000ff00ff00', '0000ff06fad50332010607e800']);
  });

  it('presents status byte + whole frame on I2C reads, and "not ready" when idle', () => {
    const chip = new VirtualPn532();
    chip.i2cWrite(0x24, new Uint8Array([0]));
    expect(chip.i2cRead(0x24, 7)[0]).toBe(0);
    chip.i2cWrite(0x24, fromHex('0000ff02fed4022a00'));
    expect(toHex(chip.i2cRead(0x24, 7))).toBe('010000ff00ff00');
    expect(toHex(chip.i2cRead(0x24, 16))).toBe('010000ff06fad50332010607e800' + '0000');
    expect(chip.i2cRead(0x25, 4)[0]).toBe(0);
  });

  it('does not ACK a frame with a bad checksum', () => {
    const chip = new VirtualPn532();
    const got: string[] = [];
    chip.uartOnTx((b) => got.push(toHex(b)));
    chip.uartWrite(fromHex('5555000000'));
    chip.uartWrite(fromHex('0000ff02fed4022b00'));
    expect(got).toEqual([]);
  });
});
