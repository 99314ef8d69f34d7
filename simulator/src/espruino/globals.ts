/**
 * The interpreter-level globals of a simulated board: print/console, timers on the virtual clock only,
 * getTime, `E`, `process`, `require`, and the lifecycle calls (reset, load, save, E.reboot) that the device
 * class carries out. Hardware objects (pins, I2C, serial ports, NRF) come from their own modules.
 */
import { crc32 } from 'node:zlib';
import { addEvents, type DeviceHost } from './host';
import { bytesToString, printArgs, toBytes } from './values';

export interface Lifecycle {
  reset(): void;
  load(file?: string): void;
  save(): void;
  reboot(): void;
  setBootCode(code: string, alwaysExec: boolean): void;
  setConsole(name: string | null): void;
  consoleName(): string | null;
  memory(): { usage: number; total: number };
  sizeOf(v: unknown): number;
  /** Watchdog: timeout in s, or undefined to leave it alone; isAuto as Espruino. */
  watchdog(timeoutS: number, isAuto: boolean): void;
  kick(): void;
  hwRand(): number;
  require(name: string): unknown;
  echo(on: boolean): void;
}

export interface GlobalsResult {
  /** Fires an `E` event (init, kill, errorFlag). */
  emitE(event: string, ...args: unknown[]): boolean;
  /** Error flags raised since the last E.getErrorFlags(). */
  flags: Set<string>;
  /** Clears every timer this boot set. */
  clearTimers(): void;
}

export function installGlobals(g: Record<string, unknown>, host: DeviceHost, life: Lifecycle): GlobalsResult {
  const { realm, clock, board } = host;
  const flags = new Set<string>();

  const print = (...args: unknown[]) => host.print(`${printArgs(args)}\r\n`);
  g.print = print;
  const con = realm.object();
  for (const k of ['log', 'info', 'warn', 'error', 'debug']) con[k] = print;
  g.console = con;

  // Timers: Espruino ids are small integers; each maps to a virtual-clock timer that a reboot cancels.
  const timers = new Map<number, { clockId: number; interval: number; fn: unknown; args: unknown[] }>();
  let nextTimer = 1;
  const arm = (id: number, ms: number): void => {
    const t = timers.get(id);
    if (!t) return;
    t.clockId = host.later(ms, () => {
      if (!timers.has(id)) return;
      if (t.interval > 0) arm(id, t.interval);
      else timers.delete(id);
      if (typeof t.fn === 'string') host.invoke(realm.global.eval, undefined, [t.fn]);
      else host.invoke(t.fn, undefined, t.args);
    });
  };
  const add = (fn: unknown, ms: unknown, args: unknown[], repeat: boolean): number => {
    if (typeof fn !== 'function' && typeof fn !== 'string')
      throw realm.error('Error', 'Function or String not supplied!');
    const delay = Math.max(0, Number(ms) || 0);
    const id = nextTimer++;
    timers.set(id, { clockId: 0, interval: repeat ? Math.max(delay, 1) : 0, fn, args });
    arm(id, delay);
    return id;
  };
  const clear = (id: unknown): void => {
    if (id === undefined) {
      for (const t of timers.values()) host.cancel(t.clockId);
      timers.clear();
      return;
    }
    const t = timers.get(Number(id));
    if (t) {
      host.cancel(t.clockId);
      timers.delete(Number(id));
    }
  };
  g.setTimeout = (fn: unknown, ms: unknown, ...args: unknown[]) => add(fn, ms, args, false);
  g.setInterval = (fn: unknown, ms: unknown, ...args: unknown[]) => add(fn, ms, args, true);
  g.clearTimeout = clear;
  g.clearInterval = clear;
  g.changeInterval = (id: unknown, ms: unknown) => {
    const t = timers.get(Number(id));
    if (!t) throw realm.error('Error', `Unknown Interval ${String(id)}`);
    host.cancel(t.clockId);
    t.interval = Math.max(1, Number(ms) || 0);
    arm(Number(id), t.interval);
  };
  host.addRoot('timers', () => [...timers.values()].flatMap((t) => [t.fn, ...t.args]));
  g.getTime = () => clock.epoch();
  g.setTime = (s: unknown) => clock.setEpoch(Number(s));
  for (const k of ['setDeepSleep', 'setSleepIndicator', 'setBusyIndicator']) g[k] = () => undefined;

  const E = realm.object();
  const emitE = addEvents(E, host);
  E.getErrorFlags = () => {
    const out = realm.array([...flags]);
    flags.clear();
    return out;
  };
  E.enableWatchdog = (timeout: unknown, isAuto?: unknown) => life.watchdog(Number(timeout), isAuto !== false);
  E.kickWatchdog = () => life.kick();
  E.CRC32 = (data: unknown) => crc32(toBytes(data));
  E.toUint8Array = (...data: unknown[]) => realm.u8(toBytes(data.length === 1 ? data[0] : data));
  E.toArrayBuffer = (s: unknown) => realm.buffer(toBytes(s));
  E.toString = (...data: unknown[]) => bytesToString(toBytes(data.length === 1 ? data[0] : data));
  E.toJS = (v: unknown) => JSON.stringify(v);
  E.hwRand = () => life.hwRand();
  E.setConsole = (dev: unknown) => life.setConsole(dev === null || dev === undefined ? null : String(dev));
  E.getConsole = () => life.consoleName() ?? undefined;
  E.getSizeOf = (v: unknown) => life.sizeOf(v);
  E.setBootCode = (code: unknown, alwaysExec?: unknown) => life.setBootCode(String(code ?? ''), !!alwaysExec);
  E.reboot = () => life.reboot();
  E.getTemperature = () => 22;
  E.getAnalogVRef = () => 3.3;
  E.getBattery = () => 100;
  E.setFlags = () => undefined;
  E.getFlags = () => realm.object();
  E.sum = (a: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] as number;
    return s;
  };
  g.E = E;

  const proc = realm.object();
  const env = realm.object();
  env.VERSION = '2v29';
  env.BOARD = board.envBoard;
  env.STORAGE = board.storageBytes;
  env.RAM = board.vars * board.blockSize;
  env.SERIAL = '0';
  env.CONSOLE = life.consoleName() ?? 'null';
  env.MODULES = 'Storage,crypto,heatshrink';
  proc.env = env;
  proc.version = '2v29';
  proc.memory = () => {
    const m = life.memory();
    const o = realm.object();
    o.free = m.total - m.usage;
    o.usage = m.usage;
    o.total = m.total;
    o.history = 0;
    o.gc = 0;
    o.gctime = 0;
    o.blocksize = board.blockSize;
    return o;
  };
  g.process = proc;

  g.require = (name: unknown) => life.require(String(name));
  g.reset = () => life.reset();
  g.load = (file?: unknown) => life.load(file === undefined ? undefined : String(file));
  g.save = () => life.save();
  g.echo = (on: unknown) => life.echo(!!on);
  const modules = realm.object();
  modules.addCached = () => undefined;
  modules.removeCached = () => undefined;
  modules.getCached = () => realm.array([]);
  g.Modules = modules;

  return {
    emitE: (event, ...args) => emitE(event, ...args),
    flags,
    clearTimers: () => clear(undefined),
  };
}
