#!/usr/bin/env node
/**
 * The one `badgewire` CLI. Each package registers the subcommands it owns: firmware (build, flash, provision,
 * ...) from @badgewire/firmware, bridge and keys from @badgewire/host, sim and audit from this package.
 */
import {
  type DeviceDeps,
  registerDeviceCommands,
  registerFirmwareCommands,
  registerFlashCommand,
  resolveBleTarget,
  scanBle,
} from '@badgewire/firmware/build';
import {
  BleAdapter,
  fingerprint,
  KNOWN_READER_USB,
  openKeyStoreAt,
  openSerialLink,
  registerHostCommands,
  serialBytes,
} from '@badgewire/host';
import { deriveBadgeKeys, nobleAes } from '@badgewire/protocol';
import { Command } from 'commander';
import { VirtualPn532 } from './chips/pn532';
import { VirtualClock } from './clock';
import { registerDemoCommand } from './demo';
import { EspruinoConsole, EspruinoDevice, openConsolePty } from './espruino/index';
import { registerSimCommands } from './sim-cli';

const program = new Command('badgewire')
  .description('badgewire: privacy-by-construction event badges, readers and the host bridge')
  .showHelpAfterError();

const firmware = registerFirmwareCommands(program);
// Host implementations for the firmware device commands (the firmware package may not import the host).
const hci = (): Promise<BleAdapter> =>
  BleAdapter.open(
    process.env.BADGEWIRE_HCI_UART
      ? { uart: { port: process.env.BADGEWIRE_HCI_UART } }
      : { deviceId: Number(process.env.BADGEWIRE_HCI ?? 0) },
  );
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const deviceDeps: DeviceDeps = {
  openSerial: (path, baudRate) => openSerialLink({ path, baudRate }),
  openBle: async (target) => {
    const adapter = await hci();
    try {
      const link = await adapter.connect(await resolveBleTarget(adapter.noble, target), {
        timeoutMs: 15_000,
      });
      link.onClose(() => adapter.close());
      return link;
    } catch (e) {
      adapter.close();
      throw e;
    }
  },
  openKeys: (o) => {
    if (!o.store)
      throw Object.assign(new Error('give --store FILE (the sealed key store)'), { code: 'E_FLASH_USAGE' });
    const ks = openKeyStoreAt(
      { path: o.store, keyFile: o.keyFile, passphraseEnv: o.passphraseEnv ?? '' },
      process.env,
    );
    return {
      keys: ks,
      fingerprint,
      badgeKeys: (masterKeyId, serial) => {
        const k = deriveBadgeKeys(nobleAes, ks.masterKey(masterKeyId), serialBytes(serial));
        // Logged by count only: a badge serial is a stable badge id.
        ks.recordBadgeExport(masterKeyId, 'usb-provisioning', 1);
        return { kId: hex(k.kId), kTap: hex(k.kTap) };
      },
    };
  },
  listSerial: async () => (await import('serialport')).SerialPort.list(),
  knownUsb: KNOWN_READER_USB,
  scanBle: async (ms) => {
    const adapter = await hci();
    try {
      return await scanBle(adapter.noble, ms);
    } finally {
      adapter.close();
    }
  },
  doctor: async () => {
    try {
      (await hci()).close();
      return [{ name: 'bluetooth', ok: true, detail: 'adapter powered on, raw HCI access works' }];
    } catch (e) {
      const x = e as { code?: string; message: string; hint?: string };
      return [
        {
          name: 'bluetooth',
          ok: false,
          detail: `${x.code ?? 'error'}: ${x.message}`,
          fix: 'pick the adapter with BADGEWIRE_HCI=<n> (hciN) or BADGEWIRE_HCI_UART=<serial HCI path>; USB flashing works without Bluetooth',
        },
      ];
    }
  },
};
registerFlashCommand(firmware, deviceDeps);
registerDeviceCommands(firmware, deviceDeps);
// A bench board without hardware: the emulated Espruino console on a pty, for docs/flashing.md and CI.
firmware
  .command('emulate')
  .description(
    'run an emulated Espruino board (PN532 on I2C) with its console on a pty; flash it with --port',
  )
  .option('--board <board>', 'puckjs | mdbt42q | esp32', 'puckjs')
  .action(async (o: { board: 'puckjs' | 'mdbt42q' | 'esp32' }) => {
    const clock = new VirtualClock();
    const chip = new VirtualPn532();
    const i2c = {
      write: (a: number, d: Uint8Array) => chip.i2cWrite(a, d),
      read: (a: number, n: number) => chip.i2cRead(a, n),
    };
    const dev = new EspruinoDevice({ board: o.board, clock, console: 'Serial1', guardMs: 60_000, i2c });
    new EspruinoConsole(dev);
    dev.boot();
    const pty = await openConsolePty(dev);
    setInterval(() => clock.advance(50), 50); // virtual time follows real time, so the board's timers run
    console.log(`emulated ${o.board} console on ${pty.hostPath} (Ctrl-C to stop)`);
    // socat is a child: stop it on Ctrl-C and on a plain kill too, or its pty pair outlives the emulator.
    const stop = (): void => void pty.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
registerHostCommands(program);
registerDemoCommand(program);
registerSimCommands(program);

await program.parseAsync(process.argv);
