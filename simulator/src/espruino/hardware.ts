/**
 * Pins, watches and the I2C bus of a simulated board. Every output change lands in a timestamped trace (the
 * door relay pulse is asserted from it); the simulator drives input pins (buttons, door sensors) and attaches
 * a virtual I2C peripheral (e.g. a PN532). Pin levels are RAM: they reset on reboot; the trace does not.
 */
import type { DeviceHost } from './host';
import { toBytes } from './values';

export interface PinEvent {
  /** Virtual time in ms. */
  t: number;
  pin: string;
  value: 0 | 1;
  via: 'digitalWrite' | 'digitalPulse' | 'pin' | 'input';
}

/** A peripheral on the simulated I2C bus (7-bit addresses). */
export interface I2cDevice {
  write(addr: number, data: Uint8Array): void;
  read(addr: number, n: number): Uint8Array;
}

export type PinRef = string | number | { name: string };

/** Board pin aliases (espruino.md §8). */
export const PIN_ALIASES: { [board: string]: { [alias: string]: number } } = {
  puckjs: { LED1: 5, LED2: 4, LED3: 3, BTN1: 0, BTN: 0, FET: 26 },
  mdbt42q: { LED1: 1, LED2: 2, BTN1: 0, BTN: 0 },
  esp32: { LED1: 2, BTN1: 0, BTN: 0 },
};

interface Watch {
  id: number;
  pin: number;
  fn: unknown;
  repeat: boolean;
  edge: 'rising' | 'falling' | 'both';
  debounce: number;
  last: number;
}

/** Host-side view of the pins; survives reboots (the trace is evidence, not device state). */
export class PinBank {
  readonly trace: PinEvent[] = [];
  levels = new Map<number, 0 | 1>();
  /** Set by the running boot; receives input changes. */
  onInput: ((pin: number, value: 0 | 1) => void) | undefined;

  constructor(readonly board: string) {}

  resolve(p: PinRef): number {
    if (typeof p === 'number') return p;
    const name = typeof p === 'string' ? p : p.name;
    const aliases = PIN_ALIASES[this.board] ?? {};
    if (Object.hasOwn(aliases, name)) return aliases[name] as number;
    const m = /^D(\d+)$/.exec(name);
    if (m) return Number(m[1]);
    throw new Error(`unknown pin ${name}`);
  }

  level(p: PinRef): 0 | 1 {
    return this.levels.get(this.resolve(p)) ?? 0;
  }

  /** Output changes for one pin, in order. */
  history(p: PinRef): PinEvent[] {
    const name = `D${this.resolve(p)}`;
    return this.trace.filter((e) => e.pin === name);
  }

  /** Drives an input pin (a button press, a door contact); watches fire through the virtual clock. */
  set(p: PinRef, value: boolean | number, t: number): void {
    this.record(this.resolve(p), value ? 1 : 0, 'input', t);
  }

  record(pin: number, value: 0 | 1, via: PinEvent['via'], t: number): void {
    const before = this.levels.get(pin) ?? 0;
    this.levels.set(pin, value);
    this.trace.push({ t, pin: `D${pin}`, value, via });
    if (before !== value) this.onInput?.(pin, value);
  }
}

export function installHardware(
  g: Record<string, unknown>,
  host: DeviceHost,
  bank: PinBank,
  i2c: () => I2cDevice | undefined,
): void {
  const { realm, clock } = host;
  const pins: { [n: number]: Record<string, unknown> } = {};
  const modes = new Map<number, string>();
  const pulseEnd = new Map<number, number>();
  const watches: Watch[] = [];
  let nextWatch = 1;

  const pinNumber = (p: unknown): number => {
    if (p && typeof p === 'object' && typeof (p as { _n?: unknown })._n === 'number')
      return (p as { _n: number })._n;
    if (typeof p === 'number' || typeof p === 'string') {
      try {
        return bank.resolve(p);
      } catch {
        throw realm.error('Error', `Invalid pin: ${String(p)}`);
      }
    }
    throw realm.error('TypeError', 'Expecting a pin');
  };
  const write = (n: number, v: unknown, via: PinEvent['via']): void =>
    bank.record(n, v ? 1 : 0, via, clock.now());

  const makePin = (n: number): Record<string, unknown> => {
    const pin = realm.object();
    Object.defineProperty(pin, '_n', { value: n, enumerable: false });
    pin.read = () => bank.levels.get(n) ?? 0;
    pin.write = (v: unknown) => write(n, v, 'pin');
    pin.set = () => write(n, 1, 'pin');
    pin.reset = () => write(n, 0, 'pin');
    pin.toggle = () => {
      const v = bank.levels.get(n) ? 0 : 1;
      write(n, v, 'pin');
      return v === 1;
    };
    pin.mode = (m: string) => modes.set(n, m);
    pin.getMode = () => modes.get(n) ?? 'input';
    pin.toString = () => `D${n}`;
    pin.getInfo = () => ({ port: 'D', num: n });
    for (const k of Object.keys(pin)) Object.defineProperty(pin, k, { enumerable: false });
    return pin;
  };
  for (let n = 0; n < 32; n++) {
    pins[n] = makePin(n);
    g[`D${n}`] = pins[n];
  }
  for (const [alias, n] of Object.entries(PIN_ALIASES[host.board.name] ?? {})) g[alias] = pins[n];

  g.digitalWrite = (p: unknown, v: unknown) => {
    if (Array.isArray(p)) {
      // Espruino: the last pin in the array gets the lowest bit.
      for (let i = 0; i < p.length; i++)
        write(pinNumber(p[i]), (Number(v) >> (p.length - 1 - i)) & 1, 'digitalWrite');
    } else write(pinNumber(p), v, 'digitalWrite');
  };
  g.digitalRead = (p: unknown) => bank.levels.get(pinNumber(p)) ?? 0;
  g.pinMode = (p: unknown, m?: string) => {
    if (m === undefined) return modes.get(pinNumber(p)) ?? 'input';
    modes.set(pinNumber(p), String(m));
    return undefined;
  };
  g.getPinMode = (p: unknown) => modes.get(pinNumber(p)) ?? 'input';
  g.analogRead = () => 0;
  g.analogWrite = (p: unknown, v: unknown) => write(pinNumber(p), Number(v) >= 0.5 ? 1 : 0, 'digitalWrite');
  g.digitalPulse = (p: unknown, value: unknown, time: unknown) => {
    const n = pinNumber(p);
    const times = Array.isArray(time) ? time.map(Number) : [Number(time)];
    // Pulses on a pin queue behind the one in progress (hardware-timed, non-blocking).
    let at = Math.max(clock.now(), pulseEnd.get(n) ?? 0);
    let level: 0 | 1 = value ? 1 : 0;
    if (times.length === 1 && times[0] === 0) return;
    const startLevel = level;
    host.later(at - clock.now(), () => write(n, startLevel, 'digitalPulse'));
    for (const ms of times) {
      at += Math.max(0, ms);
      level = level ? 0 : 1;
      const l = level;
      host.later(at - clock.now(), () => write(n, l, 'digitalPulse'));
    }
    pulseEnd.set(n, at);
  };

  g.setWatch = (fn: unknown, p: unknown, opts?: unknown) => {
    if (typeof fn !== 'function') throw realm.error('TypeError', 'setWatch needs a function');
    const o = (typeof opts === 'object' && opts ? opts : {}) as {
      repeat?: boolean;
      edge?: unknown;
      debounce?: number;
    };
    const edgeIn = typeof opts === 'string' ? opts : o.edge;
    const edge =
      edgeIn === 'rising' || edgeIn === 1
        ? 'rising'
        : edgeIn === 'falling' || edgeIn === -1
          ? 'falling'
          : 'both';
    const n = pinNumber(p);
    const w: Watch = {
      id: nextWatch++,
      pin: n,
      fn,
      repeat: !!o.repeat,
      edge,
      debounce: Number(o.debounce ?? 0),
      last: 0,
    };
    watches.push(w);
    return w.id;
  };
  g.clearWatch = (id?: unknown) => {
    if (id === undefined) watches.length = 0;
    else {
      const i = watches.findIndex((w) => w.id === id);
      if (i < 0) throw realm.error('Error', `Unknown Watch ${String(id)}`);
      watches.splice(i, 1);
    }
  };
  const fire = (w: Watch, value: 0 | 1): void => {
    if (!watches.includes(w)) return;
    if ((w.edge === 'rising' && !value) || (w.edge === 'falling' && value)) return;
    if (!w.repeat) watches.splice(watches.indexOf(w), 1);
    const now = clock.now() / 1000;
    const e = realm.object();
    e.state = value === 1;
    e.time = now;
    e.lastTime = w.last || now;
    w.last = now;
    host.invoke(w.fn, undefined, [e]);
  };
  host.addRoot('watches', () => watches.map((w) => w.fn));
  bank.onInput = (n, value) => {
    for (const w of watches.filter((x) => x.pin === n)) {
      // Debounce: the level must hold for `debounce` ms before the watch sees it.
      host.later(w.debounce, () => {
        if ((bank.levels.get(n) ?? 0) === value) fire(w, value);
      });
    }
  };

  const bus = realm.object();
  bus.setup = () => undefined;
  const addrOf = (a: unknown): number =>
    typeof a === 'object' && a ? Number((a as { address: number }).address) : Number(a);
  const dev = (): I2cDevice => {
    const d = i2c();
    if (!d) throw realm.error('InternalError', 'Timeout on I2C Write BUSY');
    return d;
  };
  // A peripheral's failure reaches firmware as Espruino's InternalError, an error of the device realm.
  const xfer = <T>(fn: (d: I2cDevice) => T): T => {
    const d = dev();
    try {
      return fn(d);
    } catch (e) {
      throw realm.error('InternalError', `I2C Error: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  bus.writeTo = (a: unknown, ...data: unknown[]) => xfer((d) => d.write(addrOf(a), toBytes(data)));
  bus.readFrom = (a: unknown, n: unknown) => realm.u8(xfer((d) => d.read(addrOf(a), Number(n))));
  bus.readReg = (a: unknown, reg: unknown, n: unknown) =>
    realm.u8(
      xfer((d) => {
        d.write(addrOf(a), toBytes([reg]));
        return d.read(addrOf(a), Number(n));
      }),
    );
  g.I2C1 = bus;
}
