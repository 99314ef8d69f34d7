/**
 * A simulated board's console on a real pseudo-terminal, so a host flashing tool opens it like a USB board:
 * `socat` joins two ptys back to back; the device end is opened with the real `serialport` package and wired
 * to the device's console port; the tool opens `hostPath`. Each received chunk is delivered by advancing the
 * virtual clock by 0 ms (Espruino handles input in its idle loop), unless `pump` is off and the caller
 * drives the clock itself. `port` moves the REPL there first (default: the board's console port).
 */
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { openPtyPair, type PtyPair, ptyDir } from '../links/pty';
import { EspruinoConsole } from './console';
import type { EspruinoDevice, SerialName } from './runtime';

export interface ConsolePty {
  /** The path a host tool opens (node-serialport, screen, espruino CLI over a tcp bridge...). */
  readonly hostPath: string;
  readonly console: EspruinoConsole;
  readonly pair: PtyPair;
  close(): Promise<void>;
}

export async function openConsolePty(
  dev: EspruinoDevice,
  opts: { dir?: string; port?: SerialName; pump?: boolean } = {},
): Promise<ConsolePty> {
  const dir = opts.dir ?? ptyDir('bw-espruino-');
  const pair = await openPtyPair(join(dir, 'host'), join(dir, 'device'));
  const portName = (opts.port ?? dev.consolePort ?? 'Serial1') as SerialName;
  if (dev.consolePort !== portName) dev.setConsole(portName);
  const endpoint = dev.serial(portName);
  const con = dev.console instanceof EspruinoConsole ? dev.console : new EspruinoConsole(dev);
  const serial = new SerialPort({ path: pair.b, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => serial.open((e) => (e ? reject(e) : resolve())));
  const unsubscribe = endpoint.onData((bytes) => serial.write(Buffer.from(bytes)));
  serial.on('data', (chunk: Buffer) => {
    endpoint.write(new Uint8Array(chunk));
    if (opts.pump !== false) dev.clock.advance(0);
  });
  return {
    hostPath: pair.a,
    console: con,
    pair,
    close: async () => {
      unsubscribe();
      await new Promise<void>((resolve) => (serial.isOpen ? serial.close(() => resolve()) : resolve()));
      await pair.kill();
    },
  };
}
