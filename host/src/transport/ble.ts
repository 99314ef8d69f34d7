/**
 * BLE for the bridge, through @stoprocent/noble, loaded with a dynamic import only when BLE is configured, so a
 * bridge without Bluetooth never loads it. Two bindings: HCI over UART (a serial HCI controller, or the
 * simulator's virtual controller on a pty) and the Linux HCI socket with an explicit adapter (`deviceId`).
 *
 * The default export's `.state` is never touched: reading it starts HCI on the default adapter and keeps the
 * process alive. `close()` always calls `noble.stop()`.
 */
import { stat } from 'node:fs';
import type { Noble, Peripheral } from '@stoprocent/noble';
import { NobleLink, type NobleLinkOptions } from './ble-link';
import { type BadgeAdvert, type BadgeScan, type BadgeScanOptions, startBadgeScan } from './ble-scan';
import { SETCAP_HINT, TransportError } from './errors';

export const NUS_SERVICE = '6e400001b5a3f393e0a9e50e24dcca9e';
export const NUS_WRITE = '6e400002b5a3f393e0a9e50e24dcca9e';
export const NUS_NOTIFY = '6e400003b5a3f393e0a9e50e24dcca9e';

export interface BleOptions {
  /** HCI over UART: a serial HCI controller, or the simulator's virtual controller on a pty. */
  uart?: { port: string; baudRate?: number };
  /** Linux HCI adapter number (hci0 = 0) when not using UART. */
  deviceId?: number;
  /** How long to wait for the adapter to power on. */
  poweredOnTimeoutMs?: number;
}

export interface ConnectOptions extends NobleLinkOptions {
  addressType?: 'public' | 'random';
  timeoutMs?: number;
}

type NobleModule = { withBindings: (type: 'hci', opts: object) => Noble };

async function loadNoble(): Promise<NobleModule> {
  try {
    const mod = (await import('@stoprocent/noble')) as unknown as NobleModule & { default?: NobleModule };
    return typeof mod.withBindings === 'function' ? mod : (mod.default as NobleModule);
  } catch (e) {
    throw new TransportError(
      'E_BLE_UNAVAILABLE',
      'the BLE library @stoprocent/noble could not be loaded (' + (e as Error).message + ')',
      'reinstall the bridge with its optional dependencies, or disable BLE in the configuration',
      false,
    );
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(onTimeout()), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

/** The typed error for a terminal adapter state, or undefined for states that may still become poweredOn. */
export function adapterStateError(state: string, where: string): TransportError | undefined {
  if (state === 'unsupported') {
    return new TransportError(
      'E_BLE_NO_ADAPTER',
      'no usable Bluetooth LE adapter at ' + where,
      'plug in a Bluetooth 4.0+ adapter, or select another with deviceId',
      false,
    );
  }
  if (state === 'unauthorized') {
    return new TransportError('E_BLE_PERMISSION', 'no permission to use ' + where, SETCAP_HINT, false);
  }
  return undefined;
}

export class BleAdapter {
  private stopped = false;
  private readonly scans = new Set<BadgeScan>();
  private finding: Promise<unknown> = Promise.resolve();

  private readonly links = new Set<NobleLink>();
  private readonly lostCbs: ((why: string) => void)[] = [];
  private lostReason: string | undefined;
  private presence: NodeJS.Timeout | undefined;

  private constructor(
    readonly noble: Noble,
    uartPort: string | undefined,
  ) {
    noble.on('stateChange', (state: string) => {
      if (state !== 'poweredOn') this.lose('adapter state ' + state);
    });
    if (uartPort) {
      // serialport can miss the unplug of the HCI UART (see serial.ts), and noble's own reconnect polls
      // SerialPort.list(), so the path itself is watched too.
      this.presence = setInterval(() => {
        stat(uartPort, (err) => {
          if (err && err.code === 'ENOENT') this.lose('HCI UART ' + uartPort + ' disappeared');
        });
      }, 500);
      this.presence.unref();
    }
  }

  /** Called once if the adapter goes away (unplugged, powered off); every open NobleLink closes with CLOSE_LOST. */
  onLost(cb: (why: string) => void): void {
    if (this.lostReason !== undefined) setImmediate(() => cb(this.lostReason as string));
    else this.lostCbs.push(cb);
  }

  private lose(why: string): void {
    if (this.lostReason !== undefined || this.stopped) return;
    this.lostReason = why;
    clearInterval(this.presence);
    for (const l of this.links) l.lost();
    this.links.clear();
    for (const cb of this.lostCbs.splice(0)) cb(why);
  }

  /** Loads noble, starts HCI and waits for `poweredOn`; rejects with a typed error that says what to fix. */
  static async open(opts: BleOptions): Promise<BleAdapter> {
    const { withBindings } = await loadNoble();
    const noble = opts.uart
      ? withBindings('hci', {
          hciDriver: 'uart',
          bindParams: { uart: { port: opts.uart.port, baudRate: opts.uart.baudRate ?? 1_000_000 } },
        })
      : withBindings('hci', { deviceId: opts.deviceId ?? 0 });
    const where = opts.uart ? 'HCI UART ' + opts.uart.port : 'hci' + (opts.deviceId ?? 0);
    let last = 'unknown';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          noble.removeListener('stateChange', onState);
          reject(
            last === 'poweredOff'
              ? new TransportError(
                  'E_BLE_POWERED_OFF',
                  'Bluetooth adapter ' + where + ' is powered off',
                  'switch it on (rfkill unblock bluetooth; bluetoothctl power on)',
                  true,
                )
              : new TransportError(
                  'E_BLE_NO_ADAPTER',
                  'no Bluetooth adapter answered on ' + where + ' (state ' + last + ')',
                  'check the adapter is plugged in',
                  true,
                ),
          );
        }, opts.poweredOnTimeoutMs ?? 10_000);
        // noble first reports poweredOff while the controller resets, so only the terminal states count.
        const onState = (state: string) => {
          last = state;
          const err = adapterStateError(state, where);
          if (state !== 'poweredOn' && !err) return;
          clearTimeout(timer);
          noble.removeListener('stateChange', onState);
          if (err) reject(err);
          else resolve();
        };
        noble.on('stateChange', onState);
      });
    } catch (e) {
      noble.stop();
      throw e;
    }
    return new BleAdapter(noble, opts.uart?.port);
  }

  /**
   * One connection setup or name scan at a time: most controllers allow a single pending LE Create Connection,
   * and scanning while initiating is refused by many. Readers reconnecting together queue here instead.
   */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.finding.then(fn);
    this.finding = run.catch(() => undefined);
    return run;
  }

  /** Connects to a reader and opens its Nordic UART Service as a Link. */
  connect(address: string, opts: ConnectOptions = {}): Promise<NobleLink> {
    return this.exclusive(() => this.connectNow(address, opts));
  }

  private async connectNow(address: string, opts: ConnectOptions): Promise<NobleLink> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    let peripheral: Peripheral | undefined;
    const fail = (what: string) =>
      new TransportError(
        'E_BLE_CONNECT',
        what + ' ' + address,
        'check the reader is powered and in range',
        true,
      );
    try {
      peripheral = await withTimeout(
        this.noble.connectAsync(address, { addressType: opts.addressType ?? 'random' }),
        timeoutMs,
        () => {
          this.noble.cancelConnect(address);
          return fail('timed out connecting to');
        },
      );
      const p = peripheral;
      const { characteristics } = await withTimeout(
        p.discoverSomeServicesAndCharacteristicsAsync([NUS_SERVICE], [NUS_WRITE, NUS_NOTIFY]),
        timeoutMs,
        () => fail('timed out discovering services of'),
      );
      const tx = characteristics.find((c) => c.uuid === NUS_WRITE);
      const rx = characteristics.find((c) => c.uuid === NUS_NOTIFY);
      if (!tx || !rx) {
        throw new TransportError(
          'E_BLE_NO_NUS',
          address + ' has no Nordic UART Service',
          'is it a badgewire reader? Espruino exposes NUS unless NRF.setServices disabled it',
          false,
        );
      }
      const link = new NobleLink(p, tx, rx, opts);
      this.links.add(link);
      link.onClose(() => this.links.delete(link));
      await withTimeout(rx.subscribeAsync(), timeoutMs, () => fail('timed out subscribing to'));
      return link;
    } catch (e) {
      if (peripheral && peripheral.state === 'connected') peripheral.disconnect();
      if (e instanceof TransportError) throw e;
      throw fail('failed (' + (e as Error).message + ') connecting to');
    }
  }

  /**
   * Scans until a peripheral advertises `name` as its local name (a reader configured by name: Espruino
   * advertises its NRF.setAdvertising name) and returns its address. Serialised with connection setups.
   */
  findByName(
    name: string,
    timeoutMs: number,
  ): Promise<{ address: string; addressType: 'public' | 'random' }> {
    return this.exclusive(
      () =>
        new Promise<{ address: string; addressType: 'public' | 'random' }>((resolve, reject) => {
          if (this.stopped || this.lostReason !== undefined) {
            reject(
              new TransportError('E_BLE_CONNECT', 'adapter closed while looking for ' + name, 'retry', true),
            );
            return;
          }
          const done = () => {
            clearTimeout(timer);
            this.noble.removeListener('discover', onDiscover);
            this.noble.stopScanning();
          };
          const onDiscover = (p: Peripheral) => {
            if (p.advertisement?.localName !== name) return;
            done();
            resolve({ address: p.address, addressType: p.addressType });
          };
          const timer = setTimeout(() => {
            done();
            reject(
              new TransportError(
                'E_BLE_CONNECT',
                'no reader advertising the name "' + name + '" within ' + timeoutMs + ' ms',
                'check the reader is powered, provisioned with that name and in range',
                true,
              ),
            );
          }, timeoutMs);
          this.noble.on('discover', onDiscover);
          this.noble.startScanning([], true);
        }),
    );
  }

  /** Scans for badge advertisements when the bridge machine is itself the reader. */
  scanBadges(onAdvert: (a: BadgeAdvert) => void, opts: BadgeScanOptions = {}): BadgeScan {
    const scan = startBadgeScan(this.noble, onAdvert, opts);
    this.scans.add(scan);
    return scan;
  }

  /** Stops scans, disconnects every peripheral and releases the adapter (noble.stop()). Idempotent. */
  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.presence);
    for (const s of this.scans) s.stop();
    this.noble.removeAllListeners('discover');
    this.noble.stop();
  }
}

export type { BadgeAdvert, BadgeScan, BadgeScanOptions };
export { NobleLink };
