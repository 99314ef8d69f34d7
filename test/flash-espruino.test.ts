/**
 * The serial flashing tool against the emulated Espruino console on a real pty: the host end is a real
 * SerialLink (serialport 13), the board is the simulator's EspruinoDevice behind openConsolePty.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { openSerialLink, type SerialLink } from '@badgewire/host';
import { EspruinoConsole, EspruinoDevice, openConsolePty, VirtualClock } from '@badgewire/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { flashBundle, runFlash } from '../firmware/build/flash/index';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A bundle big enough for many chunks, with bytes JSON would mangle (quotes, backslashes, latin1). */
function bundle(): Uint8Array {
  const lines = ['var bwFlashed = { n: 0 };'];
  for (let i = 0; i < 120; i++) lines.push(`bwFlashed.n += ${i}; // "q" \\ caf\u00e9 ${'x'.repeat(i % 37)}`);
  lines.push('bwFlashed.ok = true;');
  return new Uint8Array(Buffer.from(lines.join('\n'), 'latin1'));
}

async function board() {
  const clock = new VirtualClock();
  const dev = new EspruinoDevice({ board: 'puckjs', clock, console: 'Serial1' });
  new EspruinoConsole(dev);
  dev.boot();
  const pty = await openConsolePty(dev);
  cleanups.push(() => pty.close());
  const open = async (): Promise<SerialLink> => {
    const link = await openSerialLink({ path: pty.hostPath });
    cleanups.push(() => link.close());
    return link;
  };
  return { dev, open, hostPath: pty.hostPath };
}

describe('flashBundle over a pty to the emulated Espruino console', () => {
  it('writes .bootcde chunk by chunk, verifies each CRC, load()s and the code runs', async () => {
    const { dev, open } = await board();
    const b = bundle();
    const progress: number[] = [];
    const r = await flashBundle(await open(), b, { chunkSize: 256, onProgress: (d) => progress.push(d) });
    expect(r.chunks).toBe(Math.ceil(b.length / 256));
    expect(r.written).toBe(r.chunks);
    expect(r.loaded).toBe(true);
    expect(progress.at(-1)).toBe(r.chunks);
    const stored = dev.eval('E.CRC32(require("Storage").read(".bootcde"))');
    expect(stored.ok && Number(stored.value) >>> 0).toBe(crc32(b) >>> 0);
    const ran = dev.eval('bwFlashed.ok && bwFlashed.n');
    expect(ran.ok && ran.value).toBe((119 * 120) / 2);
  });

  it('resumes an interrupted upload without rewriting verified chunks', async () => {
    const { open } = await board();
    const b = bundle();
    const first = await open();
    await expect(
      flashBundle(first, b, { chunkSize: 256, stopAfterChunks: 5, load: false }),
    ).rejects.toMatchObject({
      code: 'E_FLASH_LINK',
    });
    const released = new Promise((r) => first.onClose(r));
    first.close();
    await released; // onClose fires once the port and its lock are free
    const r = await flashBundle(await open(), b, { chunkSize: 256 });
    expect(r.skipped).toBe(5);
    expect(r.written).toBe(r.chunks - 5);
    expect(r.restarted).toBe(false);
  });

  it('starts over when the stored file is a different bundle', async () => {
    const { open } = await board();
    const link = await open();
    const b = bundle();
    await flashBundle(link, b, { chunkSize: 256, load: false });
    const other = new Uint8Array(b);
    other[10] = 0x21;
    const r = await flashBundle(link, other, { chunkSize: 256, load: false });
    expect(r.restarted).toBe(true);
    expect(r.written).toBe(r.chunks);
  });
});

describe('runFlash (the CLI action)', () => {
  it('flashes a bundle file through an injected serial opener and reports progress', async () => {
    const { dev, hostPath } = await board();
    const dir = mkdtempSync(join(tmpdir(), 'bw-flash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'reader.js');
    writeFileSync(file, 'var bwCli = 6 * 7;\n');
    const lines: string[] = [];
    const r = await runFlash(
      file,
      { port: hostPath },
      (path, baudRate) => openSerialLink({ path, baudRate }),
      (l) => lines.push(l),
    );
    expect(r?.loaded).toBe(true);
    const crc = (crc32(Buffer.from('var bwCli = 6 * 7;\n')) >>> 0).toString(16).padStart(8, '0');
    expect(lines.at(-1)).toContain(`CRC ${crc} verified, loaded`);
    const v = dev.eval('bwCli');
    expect(v.ok && v.value).toBe(42);
  });
});
