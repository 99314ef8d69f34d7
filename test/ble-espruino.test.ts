/**
 * The whole BLE path to a simulated board: real noble (HCI UART) -> socat pty -> VirtualController -> NUS ->
 * the Espruino runtime's `Bluetooth` serial and REPL. The serial flashing tool, written against `Link`, then
 * uploads a bundle over BLE exactly as it does over USB serial.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BleAdapter, fingerprint, KeyStore, type NobleLink } from '@badgewire/host';
import {
  attachBoardSerial,
  EspruinoConsole,
  EspruinoDevice,
  openTempPtyPair,
  VirtualClock,
  VirtualController,
  VirtualPeripheral,
} from '@badgewire/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConsoleSession,
  describeError,
  flashBundle,
  provisionReader,
  resolveBleTarget,
  verifyDevice,
} from '../firmware/build/flash/index';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(): Promise<{
  dev: EspruinoDevice;
  link: NobleLink;
  reader: VirtualPeripheral;
  reconnect: () => Promise<NobleLink>;
  adapter: BleAdapter;
  controller: VirtualController;
}> {
  const pty = await openTempPtyPair();
  cleanups.push(() => pty.dispose());
  const controller = await VirtualController.open(pty.b);
  cleanups.push(() => controller.close());
  const adapter = await BleAdapter.open({ uart: { port: pty.a }, poweredOnTimeoutMs: 20_000 });
  cleanups.push(() => adapter.close());
  const clock = new VirtualClock();
  const dev = new EspruinoDevice({ board: 'puckjs', clock, console: 'Bluetooth' });
  new EspruinoConsole(dev);
  dev.boot();
  const reader = new VirtualPeripheral({ address: 'c0:ff:ee:00:0e:01' });
  controller.addPeripheral(reader);
  const att = attachBoardSerial(reader, dev.serial('Bluetooth'), { pump: () => clock.advance(0) });
  cleanups.push(() => att.detach());
  const reconnect = () => adapter.connect(reader.address, { timeoutMs: 15_000 });
  const link = await reconnect();
  return { dev, link, reader, reconnect, adapter, controller };
}

describe('Espruino REPL over simulated BLE', () => {
  it('evaluates on the board through noble, the virtual controller and NUS', async () => {
    const { link } = await rig();
    const s = new ConsoleSession(link);
    await s.sync(10_000);
    expect(await s.eval('[1,2,3].map(function(x){return x*x}).join("-")', 10_000, 'eval')).toBe('1-4-9');
  });

  it('flashes a bundle over BLE with the serial flashing tool and runs it', async () => {
    const { dev, link } = await rig();
    const src = [
      'var bwBle = 0;',
      ...Array.from({ length: 40 }, (_, i) => `bwBle += ${i}; // chunk filler ${i}`),
    ];
    const bundle = new Uint8Array(Buffer.from(src.join('\n'), 'latin1'));
    const r = await flashBundle(link, bundle, { chunkSize: 128, timeoutMs: 15_000 });
    expect(r.written).toBe(Math.ceil(bundle.length / 128));
    expect(r.loaded).toBe(true);
    const v = dev.eval('bwBle');
    expect(v.ok && v.value).toBe((39 * 40) / 2);
  });

  it('a BLE disconnect mid-upload is reported as such, and the next connection resumes the upload', async () => {
    const { dev, link, reader, reconnect } = await rig();
    const src = ['var bwRes = 0;'];
    for (let i = 0; i < 40; i++) src.push(`bwRes += ${i}; // resume filler ${i}`);
    const bundle = new Uint8Array(Buffer.from(src.join('\n'), 'latin1'));
    const err = await flashBundle(link, bundle, {
      chunkSize: 128,
      timeoutMs: 15_000,
      transport: 'ble',
      onProgress: (done) => {
        if (done === 4) reader.disconnect(); // the radio link drops after four verified chunks
      },
    }).catch((e) => e);
    expect(err.code).toBe('E_FLASH_BLE_DISCONNECT');
    expect(describeError(err)).toMatch(/closer.*rerun/s);
    const r = await flashBundle(await reconnect(), bundle, {
      chunkSize: 128,
      timeoutMs: 15_000,
      transport: 'ble',
    });
    expect(r.skipped).toBeGreaterThanOrEqual(4);
    expect(r.skipped + r.written).toBe(r.chunks);
    expect(r.restarted).toBe(false);
    const v = dev.eval('bwRes');
    expect(v.ok && v.value).toBe((39 * 40) / 2);
  });

  it('provisions and verifies a reader over BLE with a key from the key store', async () => {
    const { dev, link } = await rig();
    const dir = mkdtempSync(join(tmpdir(), 'bw-ble-prov-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ks = KeyStore.create(join(dir, 'k.sealed'), { passphrase: 'correct horse battery' });
    const deps = { keys: ks, fingerprint };
    const pr = await provisionReader(link, { id: 'a1a2a3a4a5a6a7a8', door: 3, link: 'ble' }, deps, {
      transport: 'ble',
      timeoutMs: 15_000,
    });
    const key = ks.readerKeys('a1a2a3a4a5a6a7a8')[0]!.key;
    const cfg = JSON.parse(Buffer.from(dev.storage.read('bw.cfg')!).toString('latin1'));
    expect(cfg).toMatchObject({
      id: 'a1a2a3a4a5a6a7a8',
      door: 3,
      link: 'ble',
      key: Buffer.from(key).toString('hex'),
    });
    const vr = await verifyDevice(link, deps, { transport: 'ble', timeoutMs: 15_000 });
    expect(vr).toMatchObject({
      role: 'reader',
      keyId: pr.keyId,
      keyState: 'issued',
      fingerprint: fingerprint(key),
    });
  });

  it('--ble NAME: finds the board by its advertised name with a real noble scan', async () => {
    const { adapter, controller, reader } = await rig();
    const name = 'Puck.js 0e01';
    // Complete Local Name (AD type 0x09), connectable undirected advertising, as an Espruino board sends it.
    const data = new Uint8Array([name.length + 1, 0x09, ...Buffer.from(name, 'latin1')]);
    const found = resolveBleTarget(adapter.noble, name, 1000);
    await controller.whenScanning();
    const other = new Uint8Array([6, 0x09, ...Buffer.from('Phone', 'latin1')]);
    for (let i = 0; i < 5; i++) {
      controller.advertise({
        addr: 'c0:ff:ee:00:0e:99',
        addrType: 'random',
        data: other,
        rssi: -50,
        evtType: 0,
      });
      controller.advertise({ addr: reader.address, addrType: 'random', data, rssi: -60, evtType: 0 });
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await found).toBe(reader.address);
    await expect(resolveBleTarget(adapter.noble, 'Puck.js ffff', 300)).rejects.toMatchObject({
      code: 'E_FLASH_USAGE',
    });
  });
});
