/**
 * Types and helpers of the simulated Espruino device that do not need the device class: options, errors,
 * per-boot state, how an uncaught error is described (Espruino's wording), and the JsVar estimate of a realm.
 */
import type { Violation } from '../../../firmware/build/subset';
import type { BoardName } from '../../../firmware/build/subset-budget';
import type { VirtualClock } from '../clock';
import type { VirtualFlash } from './flash';
import type { GlobalsResult } from './globals';
import type { I2cDevice } from './hardware';
import type { DeviceHost } from './host';
import { MemoryWalker } from './memory';
import type { BootCode } from './memory-code';
import { type Realm, TRAMPOLINE_GLOBAL } from './realm';

export type SerialName = 'Serial1' | 'Serial2' | 'Bluetooth' | 'USB';

export interface EspruinoDeviceOptions {
  board: BoardName;
  /** Overrides the board's native AES: true models a custom Espruino build with crypto.AES on a board whose stock
   * firmware has none (MDBT42Q), false a build without it. */
  aes?: boolean;
  clock: VirtualClock;
  /** Storage chip; pass the same one to a new device to model a board swap. Default: a blank board-size chip. */
  flash?: VirtualFlash;
  /** Peripheral on I2C1. */
  i2c?: I2cDevice;
  seed?: number | string;
  /** Where the REPL starts (default: Bluetooth on nRF52 boards, Serial1 on ESP32); null for none. */
  console?: SerialName | null;
  /**
   * Wall-clock guard per firmware call in ms (default 10 000): an endless loop is interrupted, not waited out.
   * It costs ~0.1 ms per callback; long simulations of known-good firmware may pass 0 (no guard, ~2 µs).
   */
  guardMs?: number;
  /** Virtual ms between memory checks while running (default 300 000: a walk costs ~10-50 ms; 0: only at boot and on process.memory()). */
  memoryCheckMs?: number;
  /** Virtual ms an estimate handed to firmware by process.memory() may age (default 60 000). */
  memoryEstimateMs?: number;
}

export interface DeviceError {
  /** Virtual ms. */
  at: number;
  message: string;
}

export class EspruinoError extends Error {
  constructor(
    message: string,
    readonly code: 'SUBSET' | 'BOOT' | 'OUT_OF_MEMORY' | 'NOT_RUNNING',
    readonly violations: Violation[] = [],
  ) {
    super(message);
    this.name = 'EspruinoError';
  }
}

/** Byte-level console sink for the REPL (console.ts attaches here). */
export interface ConsoleHooks {
  input(bytes: Uint8Array): void;
  /** The REPL prints its prompt etc. after boot/reset. */
  onBoot(kind: 'boot' | 'reset' | 'load'): void;
  /** Lines evaluated since the last reset(): what save() keeps (our stand-in for Espruino's RAM image). */
  history?: string[];
}

export class BootState {
  globals!: GlobalsResult;
  readonly clockTimers = new Set<number>();
  readonly intrinsics = new Set<string>();
  readonly builtinKeys = new Map<object, Set<string>>();
  readonly modules: Record<string, unknown> = {};
  readonly roots: { name: string; values: () => unknown[] }[] = [];
  bootError: string | undefined;
  watchdog: { timeoutMs: number; isAuto: boolean } | undefined;
  lastKick = 0;
  echo = true;
  /** JsVars held by the code of the boot files run so far (memory-code.ts). */
  codeVars = 0;
  readonly bootCode: BootCode[] = [];
  /** Last estimate handed to firmware by process.memory() (virtual ms, JsVars). */
  memo: { at: number; usage: number } | undefined;
}

/** Espruino's wording for an uncaught error; a missing global is named like `ReferenceError: "Map" is not defined`. */
export function describeError(
  e: unknown,
  realm: Realm | undefined,
): { message: string; missing?: string; stuck?: boolean } {
  if ((e as { code?: string } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT')
    return { message: 'Execution Interrupted (stuck in a loop)', stuck: true };
  if (realm?.isA(e, 'ReferenceError')) {
    const m = /^"?([\w$]+)"? is not defined$/.exec(String((e as Error).message));
    if (m?.[1]) return { message: `ReferenceError: "${m[1]}" is not defined`, missing: m[1] };
    return { message: `ReferenceError: ${(e as Error).message}` };
  }
  return { message: String(e) };
}

/** JsVars held by firmware in this realm: its globals, what it hung on built-ins, and the runtime's roots. */
export function estimateRealm(realm: Realm, b: BootState): number {
  const w = walker(realm, b, true);
  for (const k of Object.getOwnPropertyNames(realm.global)) {
    if (b.intrinsics.has(k) || k === TRAMPOLINE_GLOBAL) continue;
    const v = (realm.global as Record<string, unknown>)[k];
    if (b.builtinKeys.has(v as object)) w.add(v);
    else w.slot(k, v);
  }
  for (const r of b.roots) for (const v of r.values()) w.add(v);
  return w.done() + b.codeVars;
}

function walker(realm: Realm, b: BootState, staticCode: boolean): MemoryWalker {
  const fnClass = realm.global.Function as unknown as new () => unknown;
  return new MemoryWalker({
    codeInFlash: true,
    staticCode,
    bootCode: b.bootCode,
    builtinKeys: b.builtinKeys,
    isRealmFunction: (f) => f instanceof fnClass,
  });
}

/** E.getSizeOf(v). */
export function sizeOfValue(realm: Realm, b: BootState, v: unknown): number {
  const w = walker(realm, b, false);
  try {
    return w.add(v);
  } finally {
    w.done();
  }
}

/** Remembers which globals (and which of their keys) the runtime installed, so only firmware state counts. */
export function markBuiltins(g: Record<string, unknown>, b: BootState): void {
  for (const k of Object.getOwnPropertyNames(g)) {
    if (b.intrinsics.has(k)) continue;
    const v = g[k];
    if (v && (typeof v === 'object' || typeof v === 'function'))
      b.builtinKeys.set(v as object, new Set(Object.getOwnPropertyNames(v)));
  }
  for (const m of Object.values(b.modules))
    b.builtinKeys.set(m as object, new Set(Object.getOwnPropertyNames(m)));
  for (const k of Object.getOwnPropertyNames(g)) b.intrinsics.add(k);
}

/**
 * E.enableWatchdog(timeout, isAuto): with isAuto false the firmware must call E.kickWatchdog() within the
 * timeout (virtual time) or the board reboots. isAuto is kicked by the idle loop, so only a stuck call (the
 * wall-clock guard) trips it, handled where the error is reported.
 */
export function armWatchdog(
  host: DeviceHost,
  b: BootState,
  timeoutS: number,
  isAuto: boolean,
  reboot: () => void,
): void {
  b.watchdog = { timeoutMs: Math.max(1, timeoutS) * 1000, isAuto };
  b.lastKick = host.clock.now();
  if (isAuto) return;
  const check = (): void => {
    const wd = b.watchdog;
    if (!wd) return;
    const due = b.lastKick + wd.timeoutMs;
    if (host.clock.now() >= due) reboot();
    else host.later(due - host.clock.now(), check);
  };
  host.later(b.watchdog.timeoutMs, check);
}
