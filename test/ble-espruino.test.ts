/**
 * The whole BLE path to a simulated board: real noble (HCI UART) -> socat pty -> VirtualController -> NUS ->
 * the Espruino runtime's `Bluetooth` serial and REPL. The serial flashing tool, written against `Link`, then
 * uploads a bundle over BLE exactly as it does over USB serial.
 */
import { BleAdapter, type NobleLink } from '@badgewire/host';
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
import { ConsoleSession, flashBundle } from '../firmware/build/flash/index';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(): Promise<{ dev: EspruinoDevice; link: NobleLink }> {
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
  const link = await adapter.connect(reader.address, { timeoutMs: 15_000 });
  return { dev, link };
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
});
