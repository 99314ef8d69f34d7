/**
 * The flashing tool's failure paths on a real pty to the emulated Espruino console: a chunk damaged in transit
 * is refused by the board and sent again, the wrong board is refused before anything is erased, a silent port
 * gives "no prompt" with its fix, and --dry-run opens nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { openSerialLink, type SerialLink } from '@badgewire/host';
import type { Link } from '@badgewire/protocol';
import {
  EspruinoConsole,
  EspruinoDevice,
  openConsolePty,
  openTempPtyPair,
  VirtualClock,
} from '@badgewire/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { describeError, FlashError, flashBundle, runFlash } from '../firmware/build/flash/index';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function bundle(n = 60): Uint8Array {
  const lines = ['var bwE = 0;'];
  for (let i = 0; i < n; i++) lines.push(`bwE += ${i}; // filler ${'y'.repeat(i % 29)}`);
  return new Uint8Array(Buffer.from(lines.join('\n'), 'latin1'));
}

async function board(kind: 'puckjs' | 'esp32' = 'puckjs') {
  const dev = new EspruinoDevice({ board: kind, clock: new VirtualClock(), console: 'Serial1' });
  new EspruinoConsole(dev);
  dev.boot();
  const pty = await openConsolePty(dev);
  cleanups.push(() => pty.close());
  const link = await openSerialLink({ path: pty.hostPath });
  cleanups.push(() => link.close());
  return { dev, link, hostPath: pty.hostPath };
}

/** Passes everything through, but flips one base64 character in the first `times` sends of chunk `index`. */
function corrupting(link: SerialLink, offset: number, times: number): Link & { hits: number } {
  const marker = `,d,${offset}`;
  const w = {
    hits: 0,
    write(bytes: Uint8Array): number {
      const s = Buffer.from(bytes).toString('latin1');
      if (w.hits < times && s.includes(marker) && s.includes('atob("')) {
        w.hits++;
        const at = s.indexOf('atob("') + 10;
        const c = s[at] === 'A' ? 'B' : 'A';
        return link.write(new Uint8Array(Buffer.from(s.slice(0, at) + c + s.slice(at + 1), 'latin1')));
      }
      return link.write(bytes);
    },
    onData: (cb: (c: Uint8Array) => void) => link.onData(cb),
    onClose: (cb: (c: number) => void) => link.onClose(cb),
    close: () => link.close(),
  };
  return w;
}

describe('flash failure paths', () => {
  it('a chunk damaged in transit is refused by the board before it reaches flash, and sent again', async () => {
    const { dev, link } = await board();
    const b = bundle();
    const bad = corrupting(link, 256, 2);
    const r = await flashBundle(bad, b, { chunkSize: 256, load: false });
    expect(bad.hits).toBe(2);
    expect(r.resent).toBe(2);
    expect(r.written).toBe(r.chunks);
    const stored = dev.storage.read('.bootcde');
    expect(stored && crc32(stored) >>> 0).toBe(crc32(b) >>> 0);
  });

  it('gives up with E_FLASH_VERIFY when a chunk keeps arriving damaged', async () => {
    const { link } = await board();
    const err = await flashBundle(corrupting(link, 0, 99), bundle(), { chunkSize: 256, retries: 2 }).catch(
      (e) => e,
    );
    expect(err).toMatchObject({ code: 'E_FLASH_VERIFY' });
  });

  it('refuses a bundle built for another board before touching Storage', async () => {
    const { dev, link } = await board('esp32');
    dev.storage.write('.bootcde', new Uint8Array(Buffer.from('var old=1;')));
    const err = await flashBundle(link, bundle(), { board: 'puckjs' }).catch((e) => e);
    expect(err).toBeInstanceOf(FlashError);
    expect(err.code).toBe('E_FLASH_WRONG_BOARD');
    expect(err.message).toContain('ESP32');
    expect(Buffer.from(dev.storage.read('.bootcde')!).toString()).toBe('var old=1;');
    expect(describeError(err)).toMatch(/fix: .*--board/);
  });

  it('a port with no Espruino behind it: E_FLASH_NO_PROMPT naming baud rate and DFU', async () => {
    const pair = await openTempPtyPair();
    cleanups.push(() => pair.dispose());
    const link = await openSerialLink({ path: pair.a });
    cleanups.push(() => link.close());
    const err = await flashBundle(link, bundle(), { timeoutMs: 1500 }).catch((e) => e);
    expect(err.code).toBe('E_FLASH_NO_PROMPT');
    expect(describeError(err)).toMatch(/baud.*DFU/s);
  });

  it('a missing port: the transport error says what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-miss-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'b.js'), bundle(3));
    const err = await runFlash(
      join(dir, 'b.js'),
      { port: '/dev/does-not-exist-bw', board: 'puckjs' },
      (path, baudRate) => openSerialLink({ path, baudRate }),
      () => {},
    ).catch((e) => e);
    expect(err.code).toBe('E_SERIAL_MISSING');
    expect(describeError(err)).toContain('plug');
  });

  it('--dry-run prints the commands it would send and opens nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-dry-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'b.js');
    const b = bundle(20);
    writeFileSync(file, b);
    const lines: string[] = [];
    let opened = 0;
    const r = await runFlash(
      file,
      { port: '/dev/never-opened', dryRun: true, board: 'puckjs', chunk: 200 },
      async () => {
        opened++;
        throw new Error('must not open');
      },
      (l) => lines.push(l),
    );
    expect(r).toBeNull();
    expect(opened).toBe(0);
    expect(lines.filter((l) => l.includes('Storage").write(')).length).toBe(Math.ceil(b.length / 200));
    expect(lines.join('\n')).toContain('PUCKJS');
    expect(lines.at(-1)).toContain(String(crc32(b) >>> 0));
  });

  it('reflashing code that takes the console (a provisioned reader) succeeds: the CRC is checked before load()', async () => {
    const { dev, link } = await board();
    const src = 'var bwTook = 1;\nE.setConsole(null, { force: true });\n' + '// pad\n'.repeat(80);
    const b = new Uint8Array(Buffer.from(src, 'latin1'));
    const r = await flashBundle(link, b, { chunkSize: 256, timeoutMs: 4000 });
    expect(r).toMatchObject({ loaded: true, consoleDetached: true, crc: crc32(b) >>> 0 });
    const v = dev.eval('bwTook');
    expect(v.ok && v.value).toBe(1);
  });

  it('a port held by another program: E_SERIAL_BUSY after a short retry, with the fix', async () => {
    const { hostPath, link } = await board(); // `link` holds the port (serialport locks it)
    const dir = mkdtempSync(join(tmpdir(), 'bw-busy-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'b.js'), bundle(3));
    const t0 = Date.now();
    const err = await runFlash(
      join(dir, 'b.js'),
      { port: hostPath },
      (path, baudRate) => openSerialLink({ path, baudRate }),
      () => {},
    ).catch((e) => e);
    expect(err.code).toBe('E_SERIAL_BUSY');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2900); // retried: a port closed a moment ago frees up
    expect(describeError(err)).toMatch(/close the other program/);
    expect(link.write(new Uint8Array([0x0a]))).toBe(1); // the holder is untouched
  });
});
