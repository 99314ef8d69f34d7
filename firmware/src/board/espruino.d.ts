/**
 * Exactly the Espruino globals the board layer uses (Espruino 2v29 wrapper JSON, see notes espruino §8).
 * Nothing outside firmware/src/board/ may use them; firmware/tsconfig.json has no other ambient types.
 */
interface EspruinoSerial {
  setup(baud: number, opts?: { rx?: number; tx?: number; path?: string }): void;
  on(ev: 'data', cb: (s: string) => void): void;
  write(data: Uint8Array | string): void;
}

interface EspruinoI2C {
  setup(opts: { scl: number; sda: number; bitrate?: number }): void;
  writeTo(addr: number, data: Uint8Array): void;
  readFrom(addr: number, n: number): Uint8Array;
}

interface EspruinoStorage {
  readArrayBuffer(name: string): ArrayBuffer | undefined;
  readJSON(name: string, noExceptions: boolean): unknown;
  write(name: string, data: Uint8Array | string): boolean;
  writeJSON(name: string, v: unknown): boolean;
  erase(name: string): void;
}

interface EspruinoAes {
  encrypt(msg: Uint8Array, key: Uint8Array, opts: { iv?: Uint8Array; mode: string }): ArrayBuffer | undefined;
}

interface EspruinoScanDevice {
  rssi: number;
  data: ArrayBuffer;
}

declare const NRF: {
  setScan(
    cb?: (d: EspruinoScanDevice) => void,
    opts?: { filters: { manufacturerData: { [cid: number]: object } }[]; interval?: number; window?: number },
  ): void;
  setAdvertising(data: number[] | object, opts: object): void;
  setAddress(addr: string): void;
  nfcStart(uid?: Uint8Array): void;
  nfcSend(data?: Uint8Array): void;
  on(ev: string, cb: (x: ArrayBuffer) => void): void;
};

declare const Bluetooth: EspruinoSerial;
declare const Serial1: EspruinoSerial;
declare const Serial2: EspruinoSerial;
declare const I2C1: EspruinoI2C;

declare const E: {
  toUint8Array(s: string): Uint8Array;
  getErrorFlags(): string[];
  enableWatchdog(seconds: number, isAuto: boolean): void;
  kickWatchdog(): void;
  hwRand(): number;
  setConsole(dev: string | null, opts?: { force: boolean }): void;
};

declare const process: { memory(): { free: number }; env: { BOARD: string; VERSION: string } };

declare function require(name: 'Storage'): EspruinoStorage;
declare function require(name: 'crypto'): { AES?: EspruinoAes };
declare function getTime(): number;
declare function setTimeout(cb: () => void, ms: number): number;
declare function clearTimeout(id: number): void;
declare function digitalWrite(pin: number, v: number): void;
declare function digitalRead(pin: number): number;
declare function digitalPulse(pin: number, v: number, times: number[]): void;
declare const console: { log(s: string): void };

/** Firmware version string, injected by the build (esbuild `define`). */
declare const BW_VERSION: string;
/**
 * The board profile (profiles.ts) flattened: its fields and its pins, each an esbuild `define` (bundle.ts
 * boardDefines), so the bundle carries pins as literals, checks on an absent pin (-1) and the other PN532 bus
 * driver fold away, and no profile object is held at run time.
 */
declare const BW_BOARD: import('./profiles').FlatProfile;
