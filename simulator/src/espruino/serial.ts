/**
 * Espruino Serial objects (`Serial1`, `Serial2`, `Bluetooth`, `USB`) and the byte-stream endpoint the
 * simulator sees for each, so a Link (memory pair, PTY) can be attached. Data reaches firmware the way
 * Espruino delivers it: asynchronously (a zero-delay virtual timer) as a string of char codes 0-255 on
 * `on('data')`, or buffered for `read()` when nobody listens. While a port is the console, input goes to the
 * REPL instead and `print` output comes out of it (espruino.md §8, `E.setConsole`).
 */
import { addEvents, type DeviceHost } from './host';
import { bytesToString, printArgs, toBytes } from './values';

/** The simulator's side of a serial port. */
export interface SerialEndpoint {
  readonly name: string;
  /** Bytes from the outside world into the board's RX. */
  write(bytes: Uint8Array): void;
  /** Bytes the board transmits. Returns an unsubscribe function. */
  onData(cb: (bytes: Uint8Array) => void): () => void;
}

/** Host-side state of one port; survives reboots (the wire stays attached), the JS object does not. */
export class SerialPortState implements SerialEndpoint {
  private sinks: ((bytes: Uint8Array) => void)[] = [];
  /** Set by the running boot: where received bytes go. */
  deliver: ((bytes: Uint8Array) => void) | undefined;
  baud = 9600;

  constructor(readonly name: string) {}

  write(bytes: Uint8Array): void {
    this.deliver?.(bytes.slice());
  }

  onData(cb: (bytes: Uint8Array) => void): () => void {
    this.sinks.push(cb);
    return () => {
      this.sinks = this.sinks.filter((s) => s !== cb);
    };
  }

  transmit(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    for (const s of this.sinks) s(bytes);
  }
}

export interface ConsoleRouting {
  /** The port the REPL is on, or null (E.setConsole(null)). */
  current(): string | null;
  set(name: string | null): void;
  /** Feeds console input to the REPL of this boot. */
  input(bytes: Uint8Array): void;
}

export function createSerial(
  name: string,
  state: SerialPortState,
  host: DeviceHost,
  routing: ConsoleRouting,
): Record<string, unknown> {
  const { realm } = host;
  const port = realm.object();
  const emit = addEvents(port, host);
  let rx = '';
  const hasData = (): boolean => Object.hasOwn(port, '#ondata');
  host.addRoot(`${name} rx`, () => [rx]);

  port.setup = (baud?: unknown, opts?: unknown) => {
    state.baud = typeof baud === 'number' ? baud : 9600;
    Object.defineProperty(port, '_options', { value: opts, enumerable: false, configurable: true });
  };
  port.unsetup = () => undefined;
  port.write = (...data: unknown[]) => state.transmit(toBytes(data));
  port.print = (s: unknown) => state.transmit(toBytes(String(printArgs([s]))));
  port.println = (s: unknown) => state.transmit(toBytes(`${printArgs([s])}\r\n`));
  port.available = () => rx.length;
  port.read = (n?: unknown) => {
    const k = typeof n === 'number' ? n : rx.length;
    const out = rx.slice(0, k);
    rx = rx.slice(k);
    return out;
  };
  port.inject = (...data: unknown[]) => state.deliver?.(toBytes(data));
  port.setConsole = () => routing.set(name);
  port.toString = () => name;
  for (const k of [
    'setup',
    'unsetup',
    'write',
    'print',
    'println',
    'available',
    'read',
    'inject',
    'setConsole',
    'toString',
  ])
    Object.defineProperty(port, k, { enumerable: false });

  state.deliver = (bytes) => {
    host.later(0, () => {
      if (routing.current() === name) routing.input(bytes);
      else if (hasData()) emit('data', bytesToString(bytes));
      else rx += bytesToString(bytes);
    });
  };
  return port;
}
