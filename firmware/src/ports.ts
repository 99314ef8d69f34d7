/**
 * Hardware ports of the firmware (style 2.4): small, callback-based, one role each. The app layer reaches
 * hardware only through these; firmware/src/board/ holds the one Espruino implementation, the tests and the
 * simulator hold the others. Link, Clock, Aes128 and Random come from the protocol's device entry.
 */
export type { Aes128, Random } from '@badgewire/protocol/device';

/**
 * The firmware's clock: monotonic milliseconds and one-shot timers. Narrower than the protocol's Clock (no
 * epoch, no cancelling), because every function a port object carries holds JsVars for the firmware's lifetime.
 */
export interface Clock {
  now(): number;
  setTimer(ms: number, cb: () => void): number;
}

/** The protocol's Link without `close`: the firmware never closes its host link. */
export interface Link {
  write(bytes: Uint8Array): number;
  onData(cb: (chunk: Uint8Array) => void): void;
  onClose(cb: (code: number) => void): void;
}

/** One received advertisement that passed the scan filter: its raw AD bytes (never the sender address). */
export interface Advert {
  data: Uint8Array;
  rssi: number;
}

/** What a reader needs of the radio: every function a port object carries costs JsVars on the board. */
export interface Scanner {
  /** Scans for advertisements carrying manufacturer data with company id `cid`. Replaces a running scan. */
  scan(cid: number, intervalMs: number, windowMs: number, cb: (a: Advert) => void): void;
}

export interface Radio extends Scanner {
  stopScan(): void;
  /** Non-connectable, non-scannable advertising of raw AD bytes (no name, no TX power); null stops it. */
  advertise(ad: Uint8Array | null, intervalMs: number): void;
  /** A new random static address (6 bytes, top two bits of the last byte set by the caller). */
  setAddress(addr: Uint8Array): void;
}

/** No target in the field. */
export const NFC_NONE = 0;
/** An ISO 14443-4 (ISO-DEP) capable type A target is selected. */
export const NFC_ISODEP = 1;
/** A type A target without ISO-DEP (e.g. a plain NTAG 21x): not a badgewire credential. */
export const NFC_OTHER = 2;

/**
 * An NFC reader front end. Errors are numeric codes from protocol/src/errors.ts (0 = none). The anti-collision
 * UID never crosses this port: implementations drop it where they parse it.
 */
export interface NfcFrontEnd {
  /** (Re)starts the chip: wake-up and SAM configuration. */
  init(cb: (err: number) => void): void;
  /** Looks for one type A target at 106 kbps and selects it; `found` is one of NFC_NONE/ISODEP/OTHER. */
  detect(cb: (err: number, found: number) => void): void;
  /** One ISO-DEP APDU exchange with the selected target; `resp` ends with SW1 SW2. */
  apdu(cmd: Uint8Array, cb: (err: number, resp: Uint8Array | null) => void): void;
  /** Deselects the target. */
  release(cb: (err: number) => void): void;
}

/**
 * NFC tag emulation on the badge (nRF52 NFCT): raw ISO 14443-3 frames after anticollision, which the hardware
 * answers with the UID given to `start`. A fresh random UID per field session keeps taps unlinkable.
 */
export interface NfcTag {
  start(uid: Uint8Array): void;
  onRx(cb: (frame: Uint8Array) => void): void;
  send(resp: Uint8Array): void;
  onField(cb: (on: boolean) => void): void;
}

/**
 * Named records in flash. Names are at most 28 characters. The calls are the ones of Espruino's Storage
 * module, so the board hands over `require('Storage')` itself instead of a wrapper (whose functions would
 * each hold JsVars for the reader's lifetime).
 */
export interface Flash {
  readArrayBuffer(name: string): ArrayBuffer | undefined;
  write(name: string, data: Uint8Array): boolean;
  /** Always called with `noExceptions` true: a damaged record reads as undefined. */
  readJSON(name: string, noExceptions: true): unknown;
  writeJSON(name: string, v: unknown): boolean;
  erase(name: string): void;
}

/** Door and feedback outputs. Patterns are arrays of on/off durations in ms, starting with "on". */
export interface Outputs {
  relay(ms: number): void;
  led(color: number, pattern: number[]): void;
  beep(pattern: number[]): void;
}

export const LED_RED = 1;
export const LED_GREEN = 2;
export const LED_BLUE = 4;

/** Health figures sampled for the heartbeat. */
export interface Health {
  /** Free interpreter variables (JsVars) after a collection, or -1 when unknown. */
  free: number;
  /** Error flags raised since the last sample, as a bit set (board/espruino-ports.ts espruinoSystem). */
  flags: number;
  /** The tamper input is active (enclosure open). */
  tamper: boolean;
}

/** Device housekeeping that only the board knows: health, watchdog, console. */
export interface System {
  health(): Health;
  /** Enables the watchdog with manual kicking; kick() is then called only while healthy. */
  watchdog(seconds: number): void;
  kick(): void;
  /** A line on the console (never key material, IDs or PII). */
  log(msg: string): void;
}
