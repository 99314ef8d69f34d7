/**
 * The built reader bundle (firmware/dist puckjs/reader.js, built in memory here) running in the simulator's
 * Espruino runtime against the PN532 emulator, the badge bundle as the tag, and the protocol's host role.
 */
import { type CborMap, encodeAdvertisement, fromHex, nobleAes, toHex } from '@badgewire/protocol';
import { describe, expect, it } from 'vitest';
import { readBudget, varShareLimit } from '../firmware/build/bundle';
import {
  badgeAsTag,
  badgeDevice,
  bundle,
  Host,
  K_TAP,
  readerDevice,
  T_CHALLENGES,
  T_DECISION,
  T_HEALTH,
  T_SIGHTING,
  T_TAP,
  VirtualClock,
} from './firmware-harness';

const RELAY = 'D26';

function advert(eph: Uint8Array, rssi: number) {
  return { id: 'c1:02:03:04:05:06 random', rssi, data: encodeAdvertisement(0xffff, eph) };
}

async function boot(opts: { provision?: boolean } = {}) {
  const clock = new VirtualClock();
  const code = (await bundle('puckjs', 'reader')).code;
  const r = readerDevice(code, clock, opts);
  r.dev.boot();
  const host = new Host(r.dev, clock, 'Serial1');
  return { clock, code, host, ...r };
}

function connect(x: { host: Host; clock: VirtualClock }) {
  x.host.handshake();
  x.clock.advance(50);
  expect(x.host.ch.isUp()).toBe(true);
}

describe('reader bundle in the Espruino runtime', () => {
  it('refuses to run unprovisioned with a clear console message, touching neither PN532 nor link', async () => {
    const x = await boot({ provision: false });
    x.clock.advance(10_000);
    expect(x.dev.consoleOutput).toContain('reader is not provisioned (E601)');
    expect(x.chip.stats.frames).toBe(0);
    expect(x.host.got).toHaveLength(0);
    expect(x.dev.errors).toEqual([]);
  });

  it('forwards a BLE sighting (EphID + RSSI) to the host over the secure link', async () => {
    const x = await boot();
    connect(x);
    const eph = fromHex('115d75e6563a6e2b53bee108ca5711fe');
    expect(x.dev.radio.hooks!.deliver(advert(eph, -58))).toBe(true);
    x.dev.radio.hooks!.deliver(advert(eph, -52));
    // A frame with another company id never passes the scan filter.
    expect(x.dev.radio.hooks!.deliver({ ...advert(eph, -40), data: encodeAdvertisement(0x0590, eph) })).toBe(
      false,
    );
    x.clock.advance(100);
    const s = x.host.of(T_SIGHTING);
    expect(s).toHaveLength(1);
    expect(toHex(s[0]![2] as Uint8Array)).toBe(toHex(encodeAdvertisement(0xffff, eph)));
    expect(s[0]![3]).toBe(-58);
    expect(x.dev.errors).toEqual([]);
  });

  it('NFC challenge-response tap with the badge bundle → DECISION → relay pulse on the pin trace', async () => {
    const x = await boot();
    connect(x);
    const badge = badgeDevice((await bundle('puckjs', 'badge')).code, x.clock);
    badge.boot();
    const chal = fromHex('c0c1c2c3c4c5c6c7');
    x.host.send({ 0: T_CHALLENGES, 1: 1, 2: [chal], 3: 30, 4: 77 });
    x.clock.advance(20);
    x.chip.place(badgeAsTag(badge));
    x.clock.advance(1000);
    const taps = x.host.of(T_TAP);
    expect(taps).toHaveLength(1);
    const tap = taps[0] as CborMap;
    expect(tap[3]).toBe(0);
    expect(tap[4]).toBe(77);
    // The host verifies: decrypt the tap block with K_tap, the challenge must be the one issued (id 77).
    const frame = tap[2] as Uint8Array;
    expect(frame[0]).toBe(0x12);
    const plain = nobleAes.ecbDecrypt(fromHex(K_TAP), frame.subarray(17, 33));
    expect(toHex(plain.subarray(8))).toBe(toHex(chal));
    expect(toHex(plain.subarray(0, 4))).toBe('00000001');
    // The anti-collision UID never reaches the host.
    expect(JSON.stringify(x.host.got, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v))).not.toContain(
      '08010203040506',
    );
    // Nor does it reach flash (raw chip dump, erased records included) or the console.
    expect(toHex(x.flash.dump())).not.toContain('08010203040506');
    expect(x.dev.consoleOutput).not.toMatch(/08010203040506|00112233445566778899aabbccddeeff/);
    expect(x.dev.pins.history(RELAY)).toEqual([]);
    x.host.send({ 0: T_DECISION, 2: tap[1] as number, 3: true, 4: 1500, 5: 2, 6: 1, 7: 0 });
    x.clock.advance(3000);
    const h = x.dev.pins.history(RELAY);
    expect(h.map((e) => e.value)).toEqual([1, 0]);
    expect((h[1]?.t as number) - (h[0]?.t as number)).toBe(1500);
    // The DECISION's patterns on the Puck.js pins: LED 2 = amber (red D5 and green D4 blink together),
    // buzzer 1 = one short beep on D28.
    const gaps = (pin: string) => {
      const e = x.dev.pins.history(pin);
      return { values: e.map((v) => v.value), ms: e.slice(1).map((v, i) => v.t - (e[i]?.t as number)) };
    };
    const blink = { values: [1, 0, 1, 0, 1, 0], ms: [200, 100, 200, 100, 200] };
    expect(gaps('D5')).toEqual(blink);
    expect(gaps('D4')).toEqual(blink);
    expect(gaps('D28')).toEqual({ values: [1, 0], ms: [80] });
    expect(x.dev.errors).toEqual([]);
    expect(badge.errors).toEqual([]);
  });

  it('buffers events offline in Storage, survives a reboot, then delivers them in order exactly once', async () => {
    const x = await boot();
    for (let i = 0; i < 5; i++) x.dev.radio.hooks!.deliver(advert(new Uint8Array(16).fill(i + 1), -60 - i));
    x.clock.advance(100);
    expect(x.host.got).toHaveLength(0);
    x.dev.reboot('test');
    x.clock.advance(100);
    connect(x);
    x.clock.advance(6000);
    expect([...x.host.journal.keys()]).toEqual([1, 2, 3, 4, 5]);
    expect([...x.host.journal.values()].map((m) => toHex(m[2] as Uint8Array).slice(16, 18))).toEqual([
      '01',
      '02',
      '03',
      '04',
      '05',
    ]);
    x.clock.advance(10_000);
    // Acked events left Storage: nothing is re-sent after the next reboot.
    const n = x.host.of(T_SIGHTING).length;
    x.dev.reboot('again');
    x.clock.advance(100);
    connect(x);
    x.clock.advance(6000);
    expect(x.host.of(T_SIGHTING)).toHaveLength(n);
  });

  it('reports PN532 timeouts in the heartbeat and reads taps again once the chip answers', async () => {
    const x = await boot();
    connect(x);
    x.chip.mute = true;
    x.clock.advance(12_000);
    const flags = x.host.of(T_HEALTH).map((m) => m[4] as number);
    expect(flags.some((f) => (f & 0x100) !== 0)).toBe(true);
    x.chip.mute = false;
    x.chip.sleep();
    const badge = badgeDevice((await bundle('puckjs', 'badge')).code, x.clock);
    badge.boot();
    x.chip.place(badgeAsTag(badge));
    x.clock.advance(3000);
    expect(x.host.of(T_TAP)).toHaveLength(1);
    expect(x.chip.stats.wakes).toBeGreaterThanOrEqual(2);
  });

  it('queues through a link loss and retransmits after the host reconnects', async () => {
    const x = await boot();
    connect(x);
    x.host.connected = false;
    x.dev.radio.hooks!.deliver(advert(new Uint8Array(16).fill(0x77), -70));
    x.clock.advance(20_000);
    expect(x.host.of(T_SIGHTING)).toHaveLength(0);
    x.host.connected = true;
    x.host.ch.reset();
    connect(x);
    x.clock.advance(6000);
    expect(x.host.journal.size).toBe(1);
    expect(toHex(x.host.journal.get(1)![2] as Uint8Array).slice(16)).toBe('77'.repeat(16));
  });

  it('1 000 sightings: memory stays bounded and inside the Puck.js pool', async () => {
    const x = await boot();
    connect(x);
    x.clock.advance(6000);
    const idle = x.dev.memoryUsage();
    const writes0 = x.flash.writes;
    const wear0 = x.flash.wear.reduce((a, b) => a + b, 0);
    for (let i = 0; i < 1000; i++) {
      const eph = new Uint8Array(16);
      eph[0] = i & 255;
      eph[1] = i >> 8;
      x.dev.radio.hooks!.deliver(advert(eph, -50));
      if (i % 20 === 19) x.clock.advance(200);
    }
    x.clock.advance(10_000);
    expect(x.host.journal.size).toBe(1000);
    // Online, acknowledged sightings wait in RAM, not in Storage: a few reservation records instead of a
    // record write and an erase per sighting (3 085 flash writes and 40 page erases with write-through, measured in this test).
    const writes = x.flash.writes - writes0;
    const erases = x.flash.wear.reduce((a, b) => a + b, 0) - wear0;
    console.log(`reader flash per 1000 sightings: ${writes} writes, ${erases} page erases`);
    expect(writes).toBeLessThan(50);
    expect(erases).toBe(0);
    const after = x.dev.memoryUsage();
    console.log(`reader JsVars: idle ${idle.usage}/${idle.total}, after 1000 sightings ${after.usage}`);
    expect(after.usage).toBeLessThan(after.total);
    // Idle share from Storage against budget.json: the 40 % target itself (the reader's waiver is bytes only).
    expect(idle.usage / idle.total).toBeLessThanOrEqual(varShareLimit(readBudget(), 'reader'));
    expect(varShareLimit(readBudget(), 'reader')).toBe(0.4);
    expect(after.usage - idle.usage).toBeLessThan(200);
    expect(x.dev.errors).toEqual([]);
  });
});

describe('reader bundle over BLE (Nordic UART Service)', () => {
  it('links over Bluetooth in ≤ 20-byte writes, survives a disconnect and retransmits after reconnecting', async () => {
    const clock = new VirtualClock();
    const code = (await bundle('puckjs', 'reader')).code;
    const r = readerDevice(code, clock, { link: 'ble' });
    r.dev.boot();
    const host = new Host(r.dev, clock, 'Bluetooth');
    const sizes: number[] = [];
    r.dev.serial('Bluetooth').onData((b) => sizes.push(b.length));
    r.dev.radio.hooks!.connect('aa:bb:cc:dd:ee:ff public');
    connect({ host, clock });
    r.dev.radio.hooks!.deliver(advert(new Uint8Array(16).fill(0x31), -61));
    clock.advance(200);
    expect(host.journal.size).toBe(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(20);
    host.ack = false;
    r.dev.radio.hooks!.deliver(advert(new Uint8Array(16).fill(0x32), -62));
    clock.advance(100);
    r.dev.radio.hooks!.disconnect(0x13);
    host.connected = false;
    clock.advance(5000);
    host.connected = true;
    host.ack = true;
    host.ch.reset();
    r.dev.radio.hooks!.connect('aa:bb:cc:dd:ee:ff public');
    connect({ host, clock });
    clock.advance(6000);
    expect([...host.journal.keys()]).toEqual([1, 2]);
    expect(r.dev.errors).toEqual([]);
  });
});

describe('reader bundle on the ESP32 profile', () => {
  it('runs with the PN532 on I2C1 and the host on Serial2', async () => {
    const clock = new VirtualClock();
    const r = readerDevice((await bundle('esp32', 'reader')).code, clock, {
      board: 'esp32',
      link: 'Serial2',
    });
    r.dev.boot();
    const host = new Host(r.dev, clock, 'Serial2');
    connect({ host, clock });
    expect(r.chip.configured).toBe(true);
    r.dev.radio.hooks!.deliver(advert(new Uint8Array(16).fill(0x5a), -66));
    clock.advance(200);
    expect(host.journal.size).toBe(1);
    expect(host.journal.get(1)![3]).toBe(-66);
    expect(r.dev.errors).toEqual([]);
  });
});

describe('reader bundle watchdog', () => {
  it('kicks the watchdog while healthy and lets it reset the board once memory is reported low', async () => {
    const x = await boot();
    connect(x);
    x.clock.advance(60_000);
    expect(x.dev.resets.filter((r) => r.reason === 'watchdog')).toEqual([]);
    // From now on the interpreter reports LOW_MEMORY: the reader stops kicking and the watchdog fires.
    x.dev.eval('E.getErrorFlags = function () { return ["LOW_MEMORY"]; };');
    x.clock.advance(40_000);
    expect(x.dev.resets.filter((r) => r.reason === 'watchdog').length).toBeGreaterThanOrEqual(1);
  });
});
