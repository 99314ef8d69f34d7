/**
 * Uploads a firmware bundle into an Espruino board's Storage file (default `.bootcde`, which the board runs at
 * boot) over its console, the way EspruinoTools' "save to flash" does, plus what it lacks: every chunk is
 * verified by reading it back through `E.CRC32`, an interrupted upload resumes where it stopped, and the
 * result is checked after `load()`.
 *
 * Flash semantics decide the resume rule (Storage.write): offset 0 creates the file with its full size and
 * every other byte erased (0xFF); later writes may only fill erased bytes. So a chunk whose read-back CRC
 * matches is done, an erased chunk is still to write, and anything else means the file is not ours: start over.
 */
import { crc32 } from 'node:zlib';
import type { Link } from '@badgewire/protocol';
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
  /** True when the existing file had to be discarded. */
  restarted: boolean;
  loaded: boolean;
  ms: number;
}

const q = (s: string) => JSON.stringify(s);

function chunkCrcs(bundle: Uint8Array, size: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < bundle.length; o += size) out.push(crc32(bundle.subarray(o, o + size)) >>> 0);
  return out;
}

/** The CRC of `n` erased flash bytes: an untouched chunk of a freshly created file. */
function erasedCrc(n: number): number {
  return crc32(new Uint8Array(n).fill(0xff)) >>> 0;
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
  if (bundle.length === 0) throw new TypeError('flashBundle: empty bundle');
  const s = new ConsoleSession(link);
  await s.sync(T);

  const want = chunkCrcs(bundle, size);
  const report: FlashReport = {
    bytes: bundle.length,
    chunks: want.length,
    skipped: 0,
    written: 0,
    restarted: false,
    loaded: false,
    ms: 0,
  };
  const S = 'require("Storage")';
  const len = (o: number) => Math.min(size, bundle.length - o);

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

  for (let i = 0; i < want.length; i++) {
    if (done[i]) continue;
    if (opts.stopAfterChunks !== undefined && report.written >= opts.stopAfterChunks) {
      throw new FlashError('E_FLASH_LINK', 'upload stopped after ' + report.written + ' chunks (test hook)');
    }
    const o = i * size;
    const b64 = Buffer.from(bundle.subarray(o, o + len(o))).toString('base64');
    const write = `${S}.write(${q(file)},atob(${q(b64)}),${o}${o === 0 ? ',' + bundle.length : ''})`;
    const crc =
      Number(await s.eval(`(${write},E.CRC32(${S}.read(${q(file)},${o},${len(o)})))`, T, 'chunk ' + i)) >>> 0;
    if (crc !== want[i]) {
      throw new FlashError('E_FLASH_VERIFY', `chunk ${i} read back with CRC ${crc}, expected ${want[i]}`);
    }
    report.written++;
    opts.onProgress?.(report.skipped + report.written, want.length);
  }

  const whole = crc32(bundle) >>> 0;
  if (opts.load !== false) {
    // load() restarts the interpreter from the file; the board prints its banner and a fresh prompt.
    await s.sendRaw('\x10load()\n', T);
    await s.expect(/espruino\.com/, T, 'the banner after load()');
    await s.sync(T);
    report.loaded = true;
  }
  const after = Number(await s.eval(`E.CRC32(${S}.read(${q(file)}))`, T, 'whole-file CRC')) >>> 0;
  if (after !== whole) throw new FlashError('E_FLASH_VERIFY', `stored file CRC ${after}, expected ${whole}`);
  report.ms = Date.now() - t0;
  return report;
}
