/**
 * Per-board memory and flash budgets (espruino.md §7) and the bundle-size check the build gate and the
 * simulator share. The JsVar estimate for code booted from Storage is the line through the two bundles
 * measured on espruino-puckjs: 2557 B minified → 355 vars, 5081 B unminified → 397 vars (run from flash).
 */

export type BoardName = 'puckjs' | 'mdbt42q' | 'esp32';

export interface BoardProfile {
  name: BoardName;
  /** process.env.BOARD on the real firmware. */
  envBoard: string;
  /** JsVar pool size. */
  vars: number;
  /** Bytes per JsVar (13 on nRF52 builds, 14 on ESP32). */
  blockSize: number;
  /** Storage (saved_code) area in bytes. */
  storageBytes: number;
  /** Native `crypto.AES` (MDBT42Q builds have SHA only). */
  aes: boolean;
  /** NFC tag emulation through NRF.nfc* (nRF52 with USE_NFC). */
  nfc: boolean;
  /** NRF (BLE) object present. */
  nrf: boolean;
}

export const BOARDS: { [K in BoardName]: BoardProfile } = {
  puckjs: {
    name: 'puckjs',
    envBoard: 'PUCKJS',
    vars: 2630,
    blockSize: 13,
    storageBytes: 40 * 1024,
    aes: true,
    nfc: true,
    nrf: true,
  },
  mdbt42q: {
    name: 'mdbt42q',
    envBoard: 'MDBT42Q',
    vars: 2950,
    blockSize: 13,
    storageBytes: 40 * 1024,
    aes: false,
    nfc: true,
    nrf: true,
  },
  esp32: {
    name: 'esp32',
    envBoard: 'ESP32',
    vars: 16383,
    blockSize: 14,
    storageBytes: 896 * 1024,
    aes: true,
    nfc: false,
    nrf: true,
  },
};

/** Vars held by a bundle of `bytes` booted from Storage (function text stays in flash). */
export function flashBootVars(bytes: number): number {
  const slope = (397 - 355) / (5081 - 2557);
  return Math.round(355 + (bytes - 2557) * slope);
}

/** Vars a bundle costs when uploaded to RAM instead (espruino.md §7: 515 minified / 694 unminified). */
export function ramUploadVars(bytes: number): number {
  const slope = (694 - 515) / (5081 - 2557);
  return Math.round(515 + (bytes - 2557) * slope);
}

export interface BundleBudget {
  board: BoardName;
  bytes: number;
  /** Storage left for data once the bundle is stored as .bootcde. */
  storageLeft: number;
  /** Estimated JsVars after booting from flash, and the share of the pool. */
  estimatedVars: number;
  varShare: number;
  ok: boolean;
  problems: string[];
}

export interface BudgetLimits {
  /** Byte ceiling for the bundle (from firmware/budget.json). */
  maxBytes?: number;
  /** Largest share of the JsVar pool the bundle may take at boot (default 0.5: the rest is for work). */
  maxVarShare?: number;
}

/** Size/budget check of a bundle for one board; `problems` says which limit failed and by how much. */
export function bundleBudget(source: string, board: BoardName, limits: BudgetLimits = {}): BundleBudget {
  const p = BOARDS[board];
  const bytes = new TextEncoder().encode(source).length;
  const estimatedVars = flashBootVars(bytes);
  const varShare = estimatedVars / p.vars;
  // A Storage file costs its data plus a 32-byte header, rounded to 4 bytes.
  const storageLeft = p.storageBytes - (32 + Math.ceil(bytes / 4) * 4);
  const problems: string[] = [];
  if (limits.maxBytes !== undefined && bytes > limits.maxBytes)
    problems.push(`bundle is ${bytes} B, over the ${board} budget of ${limits.maxBytes} B`);
  if (storageLeft < 0) problems.push(`bundle does not fit the ${p.storageBytes} B Storage of ${board}`);
  const maxShare = limits.maxVarShare ?? 0.5;
  if (varShare > maxShare)
    problems.push(
      `bundle needs ~${estimatedVars} of ${p.vars} JsVars on ${board} (${Math.round(varShare * 100)} %, limit ${Math.round(maxShare * 100)} %)`,
    );
  return { board, bytes, storageLeft, estimatedVars, varShare, ok: problems.length === 0, problems };
}
