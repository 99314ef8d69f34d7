/**
 * The runtime with esbuild bundles of subset TypeScript (the firmware's real shape: everything in an IIFE
 * closure), the JsVar estimate against the measured figures, NFC events and BLE connections.
 */
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/clock';
import { EspruinoDevice } from '../src/espruino/runtime';

// A reader-shaped module: a class-based encoder, a CRC, a bounded queue, scan callback and a timer.
const READER_TS = `
export {};
declare const NRF: any, Serial1: any;
const KEY = 0x2a;
class Encoder {
  buf: Uint8Array; pos = 0;
  constructor(size: number) { this.buf = new Uint8Array(size); }
  u8(v: number): Encoder { this.buf[this.pos++] = v & 255; return this; }
  u16(v: number): Encoder { this.u8(v >> 8); return this.u8(v); }
  bytes(b: Uint8Array): Encoder { for (let i = 0; i < b.length; i++) this.u8(b[i] as number); return this; }
  done(): Uint8Array { return new Uint8Array(this.buf.subarray(0, this.pos)); }
}
function crc16(d: Uint8Array): number {
  let c = 0xffff;
  for (let i = 0; i < d.length; i++) { c ^= (d[i] as number) << 8; for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff; }
  return c;
}
function frame(type: number, p: Uint8Array): Uint8Array {
  const body = new Encoder(p.length + 4).u8(0xb7).u8(type).u16(p.length).bytes(p).done();
  return new Encoder(body.length + 2).bytes(body).u16(crc16(body)).done();
}
const queue: Uint8Array[] = [];
const stats = { sent: 0, dropped: 0, seen: 0 };
function onAdvert(d: Uint8Array): void {
  stats.seen++;
  const x = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) x[i] = (d[i] as number) ^ KEY;
  if (queue.length < 16) queue.push(frame(1, x)); else stats.dropped++;
}
function flush(): void { let f = queue.shift(); while (f) { stats.sent++; Serial1.write(f); f = queue.shift(); } }
Serial1.setup(115200);
NRF.setScan(function (dev: any) { onAdvert(new Uint8Array(dev.manufacturerData)); }, { filters: [{ manufacturerData: { 0x0590: {} } }] });
setInterval(flush, 1000);
`;

function bundle(minify: boolean): string {
  return buildSync({
    stdin: { contents: READER_TS, loader: 'ts' },
    bundle: true,
    format: 'iife',
    target: 'es2015',
    minify,
    write: false,
  }).outputFiles[0]!.text;
}

describe('an esbuild bundle on the simulated board', () => {
  it('runs unmodified: scan → frame → Serial1, all in virtual time', () => {
    const clock = new VirtualClock();
    const dev = new EspruinoDevice({ board: 'puckjs', clock, seed: 1 });
    dev.install(bundle(true));
    dev.boot();
    const tx: number[] = [];
    dev.serial('Serial1').onData((b) => tx.push(...b));
    for (let i = 0; i < 3; i++)
      dev.radio.hooks!.deliver({
        id: `aa:bb:cc:dd:ee:0${i} random`,
        rssi: -50,
        data: new Uint8Array([5, 0xff, 0x90, 0x05, i, 0x2a]),
      });
    expect(tx).toEqual([]);
    clock.advance(1000);
    expect(tx.length).toBe(3 * 8);
    expect(tx.slice(0, 6)).toEqual([0xb7, 1, 0, 2, 0x2a, 0]);
    dev.assertHealthy();
  });

  it('estimates JsVars in the range measured on espruino-puckjs (0.139 vars/byte minified, from flash)', () => {
    for (const minify of [true, false]) {
      const js = bundle(minify);
      const dev = new EspruinoDevice({ board: 'puckjs', clock: new VirtualClock() });
      dev.install(js);
      dev.boot();
      const perByte = dev.memoryUsage().usage / js.length;
      // Minified: 355 vars / 2557 B; unminified: 397 / 5081 B (espruino.md §7). Same order, not exact.
      if (minify) expect(perByte).toBeGreaterThan(0.139 / 2);
      expect(perByte).toBeLessThan(0.139 * 2);
      const fresh = new EspruinoDevice({ board: 'puckjs', clock: new VirtualClock() });
      fresh.install('var x = 1;');
      fresh.boot();
      expect(dev.memoryUsage().usage).toBeGreaterThan(fresh.memoryUsage().usage + 60);
    }
  });
});

describe('NFC and BLE connection events', () => {
  it('raises NFCon / NFCrx / NFCoff while NFC is started, and records nfcSend replies', () => {
    const clock = new VirtualClock();
    const dev = new EspruinoDevice({ board: 'puckjs', clock });
    dev.install(`
      NRF.on("NFCon", function () { print("on"); });
      NRF.on("NFCoff", function () { print("off"); });
      NRF.on("NFCrx", function (rx) { var u = new Uint8Array(rx); print("rx " + u.join(",")); NRF.nfcSend([0x0a, u[0]]); });
      NRF.nfcStart(new Uint8Array([1, 2]));
    `);
    dev.boot();
    dev.radio.hooks!.nfcField(true);
    dev.radio.hooks!.nfcReceive(new Uint8Array([0x30, 0x04]));
    dev.radio.hooks!.nfcField(false);
    expect(dev.consoleOutput.split('\r\n').filter(Boolean)).toEqual(['on', 'rx 48,4', 'off']);
    expect(dev.radio.nfcSent.map((b) => [...b])).toEqual([[0x0a, 0x30]]);
    expect([...dev.radio.nfcPayload!]).toEqual([1, 2]);
  });

  it('has no NFC functions on ESP32, and delivers connect/disconnect', () => {
    const clock = new VirtualClock();
    const dev = new EspruinoDevice({ board: 'esp32', clock });
    dev.install(`
      print(typeof NRF.nfcStart);
      NRF.on("connect", function (addr) { print("conn " + addr); });
      NRF.on("disconnect", function (reason) { print("disc " + reason); });
    `);
    dev.boot();
    dev.radio.hooks!.connect('11:22:33:44:55:66 public');
    dev.radio.hooks!.disconnect(19);
    expect(dev.consoleOutput.split('\r\n').filter(Boolean)).toEqual([
      'undefined',
      'conn 11:22:33:44:55:66 public',
      'disc 19',
    ]);
  });
});

describe('NRF.findDevices', () => {
  it('collates packets per device over the scan time, whatever the id string', () => {
    const clock = new VirtualClock();
    const dev = new EspruinoDevice({ board: 'puckjs', clock });
    dev.install(
      'NRF.findDevices(function (list) { print(list.length, list.map(function (d) { return d.id + "/" + d.rssi; }).join(" ")); }, 1000);',
    );
    dev.boot();
    const ad = new Uint8Array([3, 0xff, 0x90, 0x05]);
    for (const [id, rssi] of [
      ['a', -70],
      ['__proto__', -60],
      ['a', -50],
    ] as const)
      dev.radio.hooks!.deliver({ id, rssi, data: ad });
    clock.advance(1000);
    expect(dev.consoleOutput.trim()).toBe('2 a/-50 __proto__/-60');
    expect(({} as Record<string, unknown>).rssi).toBeUndefined();
  });
});
