/**
 * The MDBT42Q reader bundle: its PN532 is on Serial1 over HSU (UM0701 §6.2.3, 0x55 wake-up preamble) and its host
 * link is BLE. The stock MDBT42Q firmware has no crypto.AES, so the bundle refuses there; on a custom Espruino
 * build with AES it must run: this drives the HSU bus driver of the real bundle against the PN532 emulator.
 */
import { fromHex, toHex } from '@badgewire/protocol';
import { describe, expect, it } from 'vitest';
import {
  badgeAsTag,
  badgeDevice,
  bundle,
  Host,
  readerDevice,
  T_CHALLENGES,
  T_DECISION,
  T_TAP,
  VirtualClock,
} from './firmware-harness';

async function mdbt42q(opts: { aes: boolean; link?: string }) {
  const clock = new VirtualClock();
  const r = readerDevice((await bundle('mdbt42q', 'reader')).code, clock, {
    board: 'mdbt42q',
    aes: opts.aes,
    link: opts.link ?? 'ble',
  });
  // The PN532's HSU pins on Serial1: what the firmware writes reaches the chip, what the chip sends arrives.
  const uart = r.dev.serial('Serial1');
  const wire: string[] = [];
  uart.onData((b) => {
    wire.push(toHex(b));
    r.chip.uartWrite(b);
  });
  r.chip.uartOnTx((b) => uart.write(b));
  r.dev.boot();
  return { clock, wire, ...r };
}

describe('reader bundle on the MDBT42Q profile (PN532 over HSU)', () => {
  it('refuses on the stock firmware (no crypto.AES) without touching the PN532', async () => {
    const x = await mdbt42q({ aes: false });
    x.clock.advance(2000);
    expect(x.dev.consoleOutput).toContain('no crypto.AES (stock mdbt42q firmware)');
    expect(x.wire).toEqual([]);
  });

  it('refuses a host link on Serial1, which the PN532 owns', async () => {
    const x = await mdbt42q({ aes: true, link: 'Serial1' });
    x.clock.advance(2000);
    expect(x.dev.consoleOutput).toContain('Serial1 drives the PN532 on mdbt42q');
    expect(x.wire).toEqual([]);
  });

  it('with AES: wakes the chip over HSU, reads a challenge-response tap and pulses the relay on DECISION', async () => {
    const x = await mdbt42q({ aes: true });
    const host = new Host(x.dev, x.clock, 'Bluetooth');
    x.dev.radio.hooks!.connect('aa:bb:cc:dd:ee:ff public');
    host.handshake();
    x.clock.advance(50);
    expect(host.ch.isUp()).toBe(true);
    // HSU needs the 0x55 wake-up preamble before the first command; the chip ignores frames without it.
    expect(x.wire[0]?.startsWith('5555')).toBe(true);
    expect(x.chip.configured).toBe(true);
    const badge = badgeDevice((await bundle('mdbt42q', 'badge')).code, x.clock);
    badge.boot();
    const chal = fromHex('a0a1a2a3a4a5a6a7');
    host.send({ 0: T_CHALLENGES, 1: 1, 2: [chal], 3: 30, 4: 9 });
    x.clock.advance(20);
    x.chip.place(badgeAsTag(badge));
    x.clock.advance(1000);
    const taps = host.of(T_TAP);
    expect(taps).toHaveLength(1);
    expect(taps[0]![4]).toBe(9);
    host.send({ 0: T_DECISION, 2: taps[0]![1] as number, 3: true, 4: 1000, 5: 1, 6: 0, 7: 0 });
    x.clock.advance(2000);
    // MDBT42Q relay on D14 (profiles.ts).
    expect(x.dev.pins.history('D14').map((e) => e.value)).toEqual([1, 0]);
    expect(x.dev.errors).toEqual([]);
  });
});
