/**
 * Uploads a firmware bundle into an Espruino board's Storage file (default `.bootcde`, which the board runs at
 * boot) over its console, the way EspruinoTools' "save to flash" does, plus what it lacks: the board checks
 * each chunk's CRC before it commits it to flash (a chunk damaged in transit is refused and sent again), every
 * chunk is read back through `E.CRC32`, an interrupted upload resumes where it stopped, the board and its free
 * Storage are checked before anything is erased, and the whole file is checked after `load()`.
 *
 * Flash semantics decide the resume rule (Storage.write): offset 0 creates the file with its full size and
 * every other byte erased (0xFF); later writes may only fill erased bytes. So a chunk whose read-back CRC
 * matches is done, an erased chunk is still to write, and anything else means the file is not ours: start over.
 */
import { crc32 } from 'node:zlib';
import type { Link } from '@badgewire/protocol';
import { BOARDS, type BoardName } from '../subset-budget';
import { ConsoleSession, FlashError } from './console-session';

export { FlashError };

export interface FlashOptions {
  /** Storage file to write. `.bootcde` runs at boot. */
  file?: string;
  /** Raw bytes per Storage.write (sent base64, so the line is 4/3 longer). */
  chunkSize?: number;
  /** Per-command timeout. */
  timeoutMs?: number;
  /** Run load() afterwards and verify the stored file from the fresh interpreter. Default true. */
  load?: boolean;
  /** The board the bundle was built for: a board reporting another `process.env.BOARD` is refused. */
  board?: BoardName;
  /** 'ble' reports a dropped link as E_FLASH_BLE_DISCONNECT. */
  transport?: 'serial' | 'ble';
  /** Sends of one chunk the board refused (CRC mismatch in transit) before giving up. Default 3. */
  retries?: number;
  onProgress?(done: number, total: number): void;
  /** Test hook: stop (as if the cable were pulled) after writing this many chunks. */
  stopAfterChunks?: number;
}

export interface FlashReport {
  bytes: number;
  chunks: number;
  /** Chunks found already written and verified (resumed upload). */
  skipped: number;
  written: number;
  /** Chunk sends the board refused because the data arrived damaged (each was sent again). */
  resent: number;
  /** True when the existing file had to be discarded. */
  restarted: boolean;
  loaded: boolean;
  /** CRC32 of the whole bundle, as read back from the board. */
  crc: number;
  /** The loaded code took the console (a provisioned reader hands it to the host link): checked before load(). */
  consoleDetached?: boolean;
  ms: number;
}

const q = (s: string) => JSON.stringify(s);
const S = 'require("Storage")';
/** Storage header plus word padding: an upper bound of what a file costs beyond its bytes. */
const FILE_OVERHEAD = 40;

export function chunkCrcs(bundle: Uint8Array, size: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < bundle.length; o += size) out.push(crc32(bundle.subarray(o, o + size)) >>> 0);
  return out;
}

/** The CRC of `n` erased flash bytes: an untouched chunk of a freshly created file. */
function erasedCrc(n: number): number {
  return crc32(new Uint8Array(n).fill(0xff)) >>> 0;
}

/**
 * The command that writes one chunk: the board compares the decoded bytes with the CRC first and answers "C"
 * without touching flash when they differ, else writes and answers the read-back CRC.
 */
export function chunkCommand(file: string, bundle: Uint8Array, size: number, i: number): string {
  const o = i * size;
  const part = bundle.subarray(o, Math.min(o + size, bundle.length));
  const b64 = Buffer.from(part).toString('base64');
  const crc = crc32(part) | 0;
  const total = o === 0 ? ',' + bundle.length : '';
  return (
    `(function(d){if((E.CRC32(d)|0)!==${crc})return "C";${S}.write(${q(file)},d,${o}${total});` +
    `return E.CRC32(${S}.read(${q(file)},${o},${part.length}))})(atob(${q(b64)}))`
  );
}

/** What `--dry-run` prints: every command in the order a fresh upload sends it (nothing is opened). */
export function planFlash(bundle: Uint8Array, opts: FlashOptions = {}): string[] {
  const file = opts.file ?? '.bootcde';
  const size = opts.chunkSize ?? 384;
  const lines = ['\\x03  (Ctrl-C: clear the line), then a probe until the prompt answers'];
  if (opts.board) lines.push(`process.env.BOARD  (must be ${BOARDS[opts.board].envBoard})`);
  lines.push(`free Storage check (${bundle.length + FILE_OVERHEAD} B needed), per-chunk CRC read-back`);
  for (let i = 0; i * size < bundle.length; i++) lines.push(chunkCommand(file, bundle, size, i));
  if (opts.load !== false) lines.push('load()');
  lines.push(`E.CRC32(${S}.read(${q(file)}))  (must be ${crc32(bundle) >>> 0})`);
  return lines;
}

async function checkBoard(s: ConsoleSession, board: BoardName, T: number): Promise<void> {
  const want = BOARDS[board].envBoard;
  const got = await s.eval('process.env.BOARD', T, 'the board name');
  if (got !== want)
    throw new FlashError(
      'E_FLASH_WRONG_BOARD',
      `the bundle is for ${board} (${want}) but the board reports ${got.slice(0, 40)}`,
    );
}

export async function flashBundle(
  link: Link,
  bundle: Uint8Array,
  opts: FlashOptions = {},
): Promise<FlashReport> {
  const t0 = Date.now();
  const file = opts.file ?? '.bootcde';
  const size = opts.chunkSize ?? 384;
  const T = opts.timeoutMs ?? 10_000;
  if (bundle.length === 0) throw new FlashError('E_FLASH_USAGE', 'the bundle is empty');
  const s = new ConsoleSession(link, { transport: opts.transport });
  await s.sync(T);
  if (opts.board) await checkBoard(s, opts.board, T);

  const want = chunkCrcs(bundle, size);
  const report: FlashReport = {
    bytes: bundle.length,
    chunks: want.length,
    skipped: 0,
    written: 0,
    resent: 0,
    restarted: false,
    loaded: false,
    crc: 0,
    ms: 0,
  };
  const len = (o: number) => Math.min(size, bundle.length - o);

  // Free space counts the trash (Storage compacts it when a file does not fit) and the old copy of the file.
  const free = Number(
    await s.eval(
      `(function(s,f){return s.freeBytes+(s.trashBytes||0)+(f===undefined?0:f.length)})` +
        `(${S}.getStats(),${S}.read(${q(file)}))`,
      T,
      'free Storage',
    ),
  );
  if (free < bundle.length + FILE_OVERHEAD)
    throw new FlashError(
      'E_FLASH_FULL',
      `the bundle needs ${bundle.length + FILE_OVERHEAD} B of Storage, the board has ${free} B`,
    );

  // What is on the board already: file size, then one CRC per chunk in a single round trip.
  const existing = Number(
    await s.eval(`(function(f){return f===undefined?-1:f.length})(${S}.read(${q(file)}))`, T, 'file size'),
  );
  let done: boolean[] = want.map(() => false);
  if (existing === bundle.length) {
    const got = (
      await s.eval(
        `(function(){var r=[];for(var o=0;o<${bundle.length};o+=${size})` +
          `r.push(E.CRC32(${S}.read(${q(file)},o,Math.min(${size},${bundle.length}-o))));return r.join(",")})()`,
        T,
        'read-back CRCs',
      )
    )
      .split(',')
      .map((x) => Number(x) >>> 0);
    const state = want.map((crc, i) =>
      got[i] === crc ? 'ok' : got[i] === erasedCrc(len(i * size)) ? 'erased' : 'bad',
    );
    if (!state.includes('bad')) done = state.map((x) => x === 'ok');
  }
  if (!done[0] && existing !== -1) {
    // Chunk 0 (re)creates the file, so an existing one that is not a resumable copy of this bundle goes.
    await s.eval(`${S}.erase(${q(file)})`, T, 'erase');
    done = want.map(() => false);
    report.restarted = true;
  }
  report.skipped = done.filter((d) => d).length;

  const retries = opts.retries ?? 3;
  for (let i = 0; i < want.length; i++) {
    if (done[i]) continue;
    if (opts.stopAfterChunks !== undefined && report.written >= opts.stopAfterChunks) {
      throw new FlashError('E_FLASH_LINK', 'upload stopped after ' + report.written + ' chunks (test hook)');
    }
    const cmd = chunkCommand(file, bundle, size, i);
    for (let attempt = 0; ; attempt++) {
      const answer = await s.eval(cmd, T, 'chunk ' + i);
      if (answer === 'C') {
        report.resent++;
        if (attempt >= retries)
          throw new FlashError(
            'E_FLASH_VERIFY',
            `chunk ${i} arrived damaged ${attempt + 1} times (CRC mismatch in transit)`,
          );
        continue;
      }
      const crc = Number(answer) >>> 0;
      if (crc !== want[i])
        throw new FlashError('E_FLASH_VERIFY', `chunk ${i} read back with CRC ${crc}, expected ${want[i]}`);
      break;
    }
    report.written++;
    opts.onProgress?.(report.skipped + report.written, want.length);
  }

  const whole = crc32(bundle) >>> 0;
  const wholeCrc = async () => {
    const got = Number(await s.eval(`E.CRC32(${S}.read(${q(file)}))`, T, 'whole-file CRC')) >>> 0;
    if (got !== whole) throw new FlashError('E_FLASH_VERIFY', `stored file CRC ${got}, expected ${whole}`);
    return got;
  };
  // Checked before load() too: a provisioned reader takes the console away as soon as it runs.
  report.crc = await wholeCrc();
  if (opts.load !== false) {
    // load() restarts the interpreter from the file; the board prints its banner and a fresh prompt.
    await s.sendRaw('\x10load()\n', T);
    // No banner when the new code takes the console first; the probe below tells the two cases apart.
    await s.expect(/espruino\.com/, Math.min(T, 3000), 'the banner after load()').catch(() => undefined);
    report.loaded = true;
    try {
      await s.sync(Math.min(T, 3000));
      report.crc = await wholeCrc();
    } catch (e) {
      if ((e as FlashError).code !== 'E_FLASH_NO_PROMPT') throw e;
      report.consoleDetached = true;
    }
  }
  report.ms = Date.now() - t0;
  return report;
}
