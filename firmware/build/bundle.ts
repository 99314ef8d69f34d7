/**
 * The firmware build: one self-contained Espruino script per board and role, `firmware/dist/<board>/<role>.js`.
 * esbuild bundles the Espruino-subset TypeScript (protocol device entry included, from source) as an IIFE at
 * es2015, minified, with the reader's property names mangled (keptProps says which survive) and top-level functions
 * as arrows where that changes nothing (arrows.ts); the gate then refuses the
 * bundle when it violates the subset (checkEspruinoSubset) or its budget (budget.json bytes, JsVar share at
 * idle from Storage).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { minify } from 'terser';
import { ESP32, flatProfile, MDBT42Q, PUCKJS } from '../src/board/profiles';
import { shortFunctions } from './arrows';
import { checkEspruinoSubset, type Violation } from './subset';
import { BOARDS, type BoardName, type BundleBudget, bundleBudget } from './subset-budget';

export type Role = 'reader' | 'badge';
export const ROLES: readonly Role[] = ['reader', 'badge'];

/** firmware/ (this file is firmware/build/bundle.ts, or firmware/dist/build.js once built). */
export const FIRMWARE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

const PROFILES = { puckjs: PUCKJS, mdbt42q: MDBT42Q, esp32: ESP32 };

/**
 * Property names that keep their spelling in the bundle; every other property is shortened by esbuild (about
 * 10 % of a bundle). Kept: every member of a JavaScript built-in (a superset of Espruino's), every member the
 * Espruino globals declare in src/board/espruino.d.ts (firmware/tsconfig.json has no other ambient types, so a
 * new Espruino API is declared there, and so kept, before it can be used), and the keys of the JSON the
 * firmware shares with other builds or tools: bw.cfg (written by the provisioning tool) and the outbox meta
 * record `bwq` (read back by the next firmware version).
 */
export function keptProps(): RegExp {
  const names = new Set<string>([
    'id',
    'key',
    'door',
    'cid',
    'si',
    'sw',
    'dd',
    'relay',
    'link',
    'h',
    'r',
    'lost',
  ]);
  // BW_BOARD.<field> is replaced by its define only after mangling would have renamed the field.
  for (const k of Object.keys(flatProfile(PUCKJS))) names.add(k);
  // A fixed list, not a walk of globalThis: the bundle must not depend on what the build process has loaded.
  const builtins: unknown[] = [
    Object,
    Function,
    Array,
    String,
    Number,
    Boolean,
    Math,
    JSON,
    Date,
    RegExp,
    Error,
    TypeError,
    Promise,
    ArrayBuffer,
    DataView,
    Uint8Array,
    Int8Array,
    Uint16Array,
    Int16Array,
    Uint32Array,
    Int32Array,
    Float32Array,
    Float64Array,
  ];
  for (const b of builtins) {
    for (let o = b; o; o = Object.getPrototypeOf(o))
      for (const k of Object.getOwnPropertyNames(o)) names.add(k);
    const proto = (b as { prototype?: unknown }).prototype;
    for (let o = proto; o; o = Object.getPrototypeOf(o))
      for (const k of Object.getOwnPropertyNames(o)) names.add(k);
  }
  const dts = readFileSync(join(FIRMWARE_DIR, 'src/board/espruino.d.ts'), 'utf8').replace(
    /\/\*[\s\S]*?\*\//g,
    '',
  );
  for (const m of dts.matchAll(/([A-Za-z_$][\w$]*)\??\s*[:(]/g)) names.add(m[1] as string);
  const ids = [...names].filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
  return new RegExp(`^(${ids.join('|').replace(/\$/g, '\\$')})$`);
}

export interface Budget {
  reader: number;
  badge: number;
  maxVarShare: number;
  waivers?: { [role: string]: { bytes: number; varShare?: number; why: string } };
}

/** The JsVar share at idle the runtime measurement must meet for a role (tests measure it in the simulator). */
export function varShareLimit(b: Budget, role: Role): number {
  return b.waivers?.[role]?.varShare ?? b.maxVarShare;
}

/** The byte limit the gate enforces for a role: the target, or a documented waiver. */
export function byteLimit(b: Budget, role: Role): number {
  const w = b.waivers?.[role];
  return w ? w.bytes : b[role];
}

export function readBudget(): Budget {
  return JSON.parse(readFileSync(join(FIRMWARE_DIR, 'budget.json'), 'utf8')) as Budget;
}

export interface BuildResult {
  board: BoardName;
  role: Role;
  /** Output path, or null when the gate refused the bundle. */
  file: string | null;
  bytes: number;
  violations: Violation[];
  budget: BundleBudget;
  ok: boolean;
  code: string;
}

export class FirmwareBuildError extends Error {
  code = 'E_FIRMWARE_BUILD';
}

/** Whether a role can run on a board at all (the badge needs NFC tag emulation). */
export function supported(board: BoardName, role: Role): boolean {
  return role === 'reader' || BOARDS[board].nfc;
}

/** The board comes in through boardDefines, so the entry is the same for every board. */
export function entrySource(_board: BoardName, role: Role): string {
  const run = role === 'reader' ? 'runReader' : 'runBadge';
  // `export {}` keeps esbuild from treating the entry as CommonJS (espruino.md §5).
  return `import { ${run} } from './run-${role}';\n${run}();\nexport {};\n`;
}

/**
 * The build-time constants of a bundle: the version and every field and pin of the board profile as
 * `BW_BOARD.<name>` (espruino.d.ts), so a pin is a literal in the bundle and code for an absent pin (-1) or the
 * other PN532 bus folds away.
 */
export function boardDefines(board: BoardName, version: string): { [name: string]: string } {
  const d: { [name: string]: string } = { BW_VERSION: JSON.stringify(version) };
  for (const [k, v] of Object.entries(flatProfile(PROFILES[board]))) d[`BW_BOARD.${k}`] = JSON.stringify(v);
  return d;
}

/** The esbuild options of one board/role bundle (shared with the per-module byte breakdown, bench/breakdown.ts). */
export function esbuildOptions(
  board: BoardName,
  role: Role,
  version: string,
): BuildOptions & { write: false } {
  return {
    stdin: { contents: entrySource(board, role), resolveDir: join(FIRMWARE_DIR, 'src/board'), loader: 'ts' },
    bundle: true,
    format: 'iife',
    target: 'es2015',
    platform: 'neutral',
    minify: true,
    treeShaking: true,
    write: false,
    legalComments: 'none',
    // The reader only: the badge is well inside its budget and hands loosely typed objects to Espruino
    // (advertising options, its persisted clock and counter), which keptProps does not cover.
    mangleProps: role === 'reader' ? /./ : undefined,
    reserveProps: role === 'reader' ? keptProps() : undefined,
    conditions: ['source'],
    external: ['Storage', 'crypto'],
    mainFields: ['module', 'main'],
    inject: [join(FIRMWARE_DIR, 'build/globals-alias.ts')],
    define: boardDefines(board, version),
    // Plain assignments for class fields: no __publicField helper in the bundle.
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false, verbatimModuleSyntax: true } },
    logLevel: 'silent',
  };
}

/** Bundles one board/role in memory and runs the gate; `write` puts an accepted bundle in outDir. */
export async function buildFirmware(
  board: BoardName,
  role: Role,
  opts: { outDir?: string; version?: string; write?: boolean } = {},
): Promise<BuildResult> {
  if (!BOARDS[board])
    throw new FirmwareBuildError(`unknown board "${board}" (boards: ${Object.keys(BOARDS).join(', ')})`);
  if (role !== 'reader' && role !== 'badge')
    throw new FirmwareBuildError(`unknown role "${role}" (reader or badge)`);
  if (!supported(board, role))
    throw new FirmwareBuildError(`${board} cannot be a ${role}: it has no NFC tag emulation (NRF.nfc*)`);
  const r = await build(esbuildOptions(board, role, opts.version ?? readVersion()));
  const bundled = plainRequire(r.outputFiles[0]?.text ?? '');
  // The arrow pass relies on the gate's no-hoisting rule, so it runs only on a bundle the gate accepted, and the
  // gate checks its output again.
  let violations = checkEspruinoSubset(bundled);
  const code = violations.length === 0 ? await squeeze(shortFunctions(bundled)) : bundled;
  if (code !== bundled) violations = checkEspruinoSubset(code);
  violations = violations.concat(unresolvedDefines(code));
  const b = readBudget();
  const budget = bundleBudget(code, board, { maxBytes: byteLimit(b, role), maxVarShare: b.maxVarShare });
  const ok = violations.length === 0 && budget.ok;
  let file: string | null = null;
  if (ok && opts.write !== false) {
    const dir = join(opts.outDir ?? join(FIRMWARE_DIR, 'dist'), board);
    mkdirSync(dir, { recursive: true });
    file = join(dir, `${role}.js`);
    writeFileSync(file, code);
  }
  return { board, role, file, bytes: budget.bytes, violations, budget, ok, code };
}

/**
 * terser's compressor over the accepted bundle, with its safe options only (no `unsafe*`): it joins declarations,
 * merges branches and inlines single-use helpers esbuild keeps (~2-3 % of a bundle). It must not lose the subset:
 * ecma 2015 output, no function-to-arrow rewrites that change `this`, and the gate checks its output again.
 */
export async function squeeze(code: string): Promise<string> {
  const r = await minify(code, {
    ecma: 2015,
    // pure_getters: the firmware defines no getters; keep_fargs: nothing reads fn.length or `arguments`.
    compress: { passes: 3, pure_getters: true, keep_fargs: false },
    mangle: true,
    format: { ecma: 2015, ascii_only: true },
  });
  if (r.code === undefined) throw new FirmwareBuildError('terser produced no output');
  return r.code;
}

/** A BW_* name left in a bundle (a define the build did not supply, or a mangled field) is a ReferenceError on the board. */
export function unresolvedDefines(code: string): Violation[] {
  const out: Violation[] = [];
  for (const m of code.matchAll(/\bBW_[A-Z_]+\b/g)) {
    const before = code.slice(0, m.index);
    const line = before.split('\n').length;
    out.push({
      rule: 'unresolved-define',
      message: `${m[0]} is not replaced at build time (bundle.ts boardDefines)`,
      line,
      column: m.index - before.lastIndexOf('\n'),
    });
  }
  return out;
}

// esbuild wraps calls to external modules in a `__require` shim built on Proxy, which Espruino lacks; the
// built-in modules (Storage, crypto) are always there, so the shim becomes the plain global `require`.
const REQUIRE_SHIM =
  /var (\w+)=\(\w+=>typeof require!="undefined"\?require:typeof Proxy!="undefined"\?new Proxy\(\w+,\{get:\(\w+,\w+\)=>\(typeof require!="undefined"\?require:\w+\)\[\w+\]\}\):\w+\)\(function\(\w+\)\{if\(typeof require!="undefined"\)return require\.apply\(this,arguments\);throw Error\('Dynamic require of "'\+\w+\+'" is not supported'\)\}\);/;

export function plainRequire(code: string): string {
  return code.replace(REQUIRE_SHIM, 'var $1=require;');
}

export function readVersion(): string {
  const pkg = JSON.parse(readFileSync(join(FIRMWARE_DIR, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Every supported board × role. */
export async function buildAll(opts: { outDir?: string; version?: string } = {}): Promise<BuildResult[]> {
  const out: BuildResult[] = [];
  for (const board of Object.keys(BOARDS) as BoardName[])
    for (const role of ROLES) if (supported(board, role)) out.push(await buildFirmware(board, role, opts));
  return out;
}

/** The size report: one line per bundle, then every violation and budget problem. */
export function formatReport(results: BuildResult[]): string {
  const b = readBudget();
  const lines: string[] = ['board    role    bytes  target  limit  vars(est)  share  status'];
  for (const r of results) {
    const over = r.bytes > b[r.role] ? ' (over target: waiver)' : '';
    lines.push(
      `${r.board.padEnd(8)} ${r.role.padEnd(7)} ${String(r.bytes).padStart(5)}  ${String(b[r.role]).padStart(6)}  ` +
        `${String(byteLimit(b, r.role)).padStart(5)}  ${String(r.budget.estimatedVars).padStart(9)}  ` +
        `${(r.budget.varShare * 100).toFixed(1).padStart(4)}%  ${r.ok ? 'ok' : 'REFUSED'}${r.ok ? over : ''}`,
    );
  }
  for (const role of Object.keys(b.waivers ?? {})) lines.push(`waiver ${role}: ${b.waivers?.[role]?.why}`);
  lines.push(
    '(vars(est) is the size-based estimate; the idle JsVars measured in the simulator are asserted by test/)',
  );
  for (const r of results) {
    for (const v of r.violations.slice(0, 20))
      lines.push(`${r.board}/${r.role}: ${v.rule} at ${v.line}:${v.column}: ${v.message}`);
    for (const p of r.budget.problems) lines.push(`${r.board}/${r.role}: ${p}`);
  }
  return lines.join('\n');
}
