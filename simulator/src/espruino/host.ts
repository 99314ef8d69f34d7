/**
 * What the Espruino globals need from the simulated device: its realm, time, a guarded way to call firmware
 * callbacks, console output and error flags. Each global module takes a DeviceHost, so the modules stay
 * independent of the device class and of each other.
 */
import type { BoardProfile } from '../../../firmware/build/subset-budget';
import type { VirtualClock } from '../clock';
import type { Realm } from './realm';

export interface DeviceHost {
  readonly realm: Realm;
  readonly clock: VirtualClock;
  readonly board: BoardProfile;
  /** Calls a firmware function; an uncaught error is reported like Espruino (`Uncaught ...`), never thrown. */
  invoke(fn: unknown, self: unknown, args: unknown[]): unknown;
  /** A virtual-clock timer that dies with this boot (a reboot cancels it). */
  later(ms: number, cb: () => void): number;
  cancel(id: number): void;
  /** Text for the console (print, errors); appended to consoleOutput and sent to the console device. */
  print(text: string): void;
  setErrorFlag(flag: string): void;
  /**
   * Values the runtime holds for firmware outside the realm (timer callbacks and their arguments, watches, the
   * scan callback, a serial receive buffer): roots of the JsVar estimate and of the PII audit's RAM walk.
   */
  addRoot(name: string, values: () => unknown[]): void;
}

/** Espruino stores listeners as hidden `#on<event>` properties; so do we, so state walks find them. */
export function addEvents(
  target: Record<string, unknown>,
  host: DeviceHost,
): (event: string, ...args: unknown[]) => boolean {
  const key = (e: string): string => `#on${e}`;
  const list = (e: string): unknown[] => {
    const v = target[key(e)];
    return Array.isArray(v) ? v : typeof v === 'function' ? [v] : [];
  };
  const define = (e: string, fns: unknown[]): void => {
    if (fns.length === 0) delete target[key(e)];
    else
      Object.defineProperty(target, key(e), {
        value: host.realm.array(fns),
        enumerable: false,
        configurable: true,
        writable: true,
      });
  };
  target.on = (e: string, fn: unknown) => {
    if (typeof fn !== 'function')
      throw host.realm.error('TypeError', 'Second argument to on() must be a function');
    define(String(e), list(String(e)).concat([fn]));
    return target;
  };
  target.addListener = target.on;
  target.prependListener = (e: string, fn: unknown) => {
    define(String(e), [fn].concat(list(String(e))));
    return target;
  };
  target.removeListener = (e: string, fn: unknown) => {
    define(
      String(e),
      list(String(e)).filter((f) => f !== fn),
    );
    return target;
  };
  target.removeAllListeners = (e?: string) => {
    if (e === undefined) {
      for (const k of Object.getOwnPropertyNames(target)) if (k.startsWith('#on')) delete target[k];
    } else define(String(e), []);
    return target;
  };
  target.emit = (e: string, ...args: unknown[]) => {
    const fns = list(String(e));
    for (const fn of fns) host.invoke(fn, target, args);
    return fns.length > 0;
  };
  for (const m of ['on', 'addListener', 'prependListener', 'removeListener', 'removeAllListeners', 'emit'])
    Object.defineProperty(target, m, { enumerable: false });
  return (event, ...args) => (target.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
}
