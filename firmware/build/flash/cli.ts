/**
 * `badgewire firmware flash`: the flashing tool on the one CLI. The command is given the functions that open a
 * Link (the CLI passes host's `openSerialLink` and a noble NUS opener), so the firmware tooling depends on
 * neither serialport, noble nor the host package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Link } from '@badgewire/protocol';
import type { Command } from 'commander';
import { FIRMWARE_DIR } from '../bundle';
import { BOARDS, type BoardName } from '../subset-budget';
import { describeError, FlashError } from './errors';
import { type FlashReport, flashBundle, planFlash } from './flash';
import type { ProvisionDeps } from './provision';

export type OpenLink = (path: string, baudRate: number) => Promise<Link>;

export interface SerialPortInfo {
  path: string;
  vendorId?: string | undefined;
  productId?: string | undefined;
  manufacturer?: string | undefined;
}

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

/** Everything the device commands need from the host, injected by the CLI wiring. */
export interface DeviceDeps {
  openSerial: OpenLink;
  /** Connects to a board's Nordic UART Service by address or advertised name. */
  openBle?(target: string): Promise<Link>;
  /** Opens the host key store (reader keys, fingerprints, badge key derivation). */
  openKeys?(o: KeyStoreArgs): KeyAccess;
  listSerial?(): Promise<SerialPortInfo[]>;
  knownUsb?: readonly { board: string; vendorId: string; productId: string }[];
  scanBle?(ms: number): Promise<{ address: string; name: string; rssi?: number }[]>;
  /** Host-side checks (serial permissions, Bluetooth adapter) for `doctor`. */
  doctor?(): Promise<DoctorCheck[]>;
}

export interface KeyStoreArgs {
  store?: string;
  keyFile?: string;
  passphraseEnv?: string;
}

export interface KeyAccess extends ProvisionDeps {
  /** K_id/K_tap (hex) of one badge, derived from an event master key; the store records the issue by count. */
  badgeKeys?(masterKeyId: string, serial: string): { kId: string; kTap: string };
}

export interface TargetOptions {
  port?: string;
  ble?: string;
  baud?: string | number;
}

export interface FlashCommandOptions extends TargetOptions {
  board?: string;
  role?: string;
  file?: string;
  load?: boolean;
  chunk?: string | number;
  dryRun?: boolean;
  /** Test hook passed to flashBundle. */
  stopAfterChunks?: number;
}

export function asDeps(d: OpenLink | DeviceDeps): DeviceDeps {
  return typeof d === 'function' ? { openSerial: d } : d;
}

/** Closes a link and waits until the port is free again (the next command of a batch reopens it at once). */
export function closeLink(link: Link, ms = 3000): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    link.onClose(() => {
      clearTimeout(t);
      resolve();
    });
    link.close();
  });
}

export function targetName(o: TargetOptions): string {
  return o.port ?? (o.ble ? 'ble:' + o.ble : '?');
}

/** Opens the selected transport; exactly one of --port and --ble. */
export async function openTarget(
  o: TargetOptions,
  deps: DeviceDeps,
): Promise<{ link: Link; transport: 'serial' | 'ble' }> {
  if ((o.port === undefined) === (o.ble === undefined))
    throw new FlashError('E_FLASH_USAGE', 'give exactly one of --port PATH and --ble ADDRESS|NAME');
  if (o.port !== undefined) {
    // The previous step of the same run may have just closed this port; the OS drops its lock a moment later.
    const end = Date.now() + 3000;
    for (;;) {
      try {
        return { link: await deps.openSerial(o.port, Number(o.baud ?? 115200)), transport: 'serial' };
      } catch (e) {
        if ((e as { code?: string }).code !== 'E_SERIAL_BUSY' || Date.now() > end) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  if (!deps.openBle) throw new FlashError('E_FLASH_USAGE', 'this build of the CLI has no BLE support');
  return { link: await deps.openBle(o.ble as string), transport: 'ble' };
}

/** The bundle file: the one given, or firmware/dist/<board>/<role>.js from `badgewire firmware build`. */
export function bundlePath(given: string | undefined, o: { board?: string; role?: string }): string {
  if (given) return given;
  if (!o.board || !o.role)
    throw new FlashError('E_FLASH_USAGE', 'give a bundle file, or --board and --role to flash the built one');
  const p = join(FIRMWARE_DIR, 'dist', o.board, `${o.role}.js`);
  if (!existsSync(p))
    throw new FlashError(
      'E_FLASH_USAGE',
      `${p} does not exist: run badgewire firmware build --board ${o.board}`,
    );
  return p;
}

export function boardOf(name: string | undefined): BoardName | undefined {
  if (name === undefined) return undefined;
  if (!(name in BOARDS))
    throw new FlashError('E_FLASH_USAGE', `unknown board ${name} (${Object.keys(BOARDS).join(', ')})`);
  return name as BoardName;
}

/** A progress bar on a terminal, a line per 10 % otherwise (CI logs). */
export function progressPrinter(label: string, log: (line: string) => void, tty: boolean) {
  let last = -1;
  return (done: number, total: number) => {
    const pct = Math.floor((done * 100) / total);
    if (tty) {
      const w = 30;
      const fill = Math.round((done * w) / total);
      process.stdout.write(
        `\r${label} [${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${done}/${total} chunks ${pct}%`,
      );
      if (done === total) process.stdout.write('\n');
    } else if (pct >= last + 10 || done === total) {
      last = pct;
      log(`flash ${label}: ${done}/${total} chunks (${pct}%)`);
    }
  };
}

/** Reads the bundle, flashes it (or prints the plan), closes the link; progress lines go to `log`. */
export async function runFlash(
  bundleFile: string | undefined,
  o: FlashCommandOptions,
  open: OpenLink | DeviceDeps,
  log: (line: string) => void = console.log,
): Promise<FlashReport | null> {
  const deps = asDeps(open);
  const file = bundlePath(bundleFile, o);
  const bundle = new Uint8Array(readFileSync(file));
  const board = boardOf(o.board);
  const flashOpts = {
    file: o.file,
    load: o.load,
    board,
    chunkSize: o.chunk === undefined ? undefined : Number(o.chunk),
    stopAfterChunks: o.stopAfterChunks,
  };
  if (o.dryRun) {
    log(`dry run: would flash ${file} (${bundle.length} B) to ${targetName(o)}; nothing is opened or sent`);
    for (const l of planFlash(bundle, flashOpts)) log(l.length > 160 ? l.slice(0, 157) + '...' : l);
    return null;
  }
  const name = targetName(o);
  const { link, transport } = await openTarget(o, deps);
  try {
    const r = await flashBundle(link, bundle, {
      ...flashOpts,
      transport,
      onProgress: progressPrinter(name, log, log === console.log && process.stdout.isTTY === true),
    });
    log(
      `flash ${name}: ${r.bytes} bytes in ${r.chunks} chunks (${r.skipped} already on the board` +
        `${r.resent ? `, ${r.resent} re-sent` : ''}), CRC ${r.crc.toString(16).padStart(8, '0')} verified` +
        `${r.loaded ? ', loaded' : ''}${r.consoleDetached ? ' (the running firmware took the console)' : ''}, ${r.ms} ms`,
    );
    return r;
  } finally {
    await closeLink(link);
  }
}

export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option('--port <path>', 'serial port, e.g. /dev/serial/by-id/usb-... (see badgewire firmware list)')
    .option('--ble <address|name>', 'connect over Bluetooth LE (Nordic UART Service) instead')
    .option('--baud <n>', 'baud rate', '115200');
}

/** Prints the error with its fix and sets the exit code (2: the device or link, 1: usage). */
export function reportFailure(cmd: string, e: unknown, err: (l: string) => void = console.error): void {
  err(`badgewire firmware ${cmd}: ${describeError(e)}`);
  process.exitCode = (e as { code?: string }).code === 'E_FLASH_USAGE' ? 1 : 2;
}

export function registerFlashCommand(fw: Command, open: OpenLink | DeviceDeps): Command {
  const deps = asDeps(open);
  return addTargetOptions(
    fw
      .command('flash [bundle]')
      .description('upload a bundle into an Espruino board over its console (resumable, CRC-verified)'),
  )
    .option('--board <board>', 'puckjs | mdbt42q | esp32: refuse a board of another kind')
    .option('--role <role>', 'reader | badge (with --board: flash firmware/dist/<board>/<role>.js)')
    .option('--file <name>', 'Storage file to write', '.bootcde')
    .option('--chunk <bytes>', 'bytes per Storage.write', '384')
    .option('--no-load', 'do not load() the new code afterwards')
    .option('--dry-run', 'print what would be sent, open nothing')
    .action(async (bundle: string | undefined, o: FlashCommandOptions) => {
      try {
        await runFlash(bundle, o, deps);
      } catch (e) {
        reportFailure('flash', e);
      }
    });
}
