/**
 * `badgewire firmware flash --port P bundle.js`: the serial flashing tool on the one CLI. The command is given
 * the function that opens a Link to a port (the CLI passes host's `openSerialLink`), so the firmware tooling
 * depends on neither serialport nor the host package.
 */
import { readFileSync } from 'node:fs';
import type { Link } from '@badgewire/protocol';
import type { Command } from 'commander';
import { type FlashReport, flashBundle } from './flash';

export type OpenLink = (path: string, baudRate: number) => Promise<Link>;

export interface FlashCommandOptions {
  port: string;
  baud?: string | number;
  file?: string;
  load?: boolean;
  chunk?: string | number;
}

/** Reads the bundle, flashes it, closes the link; progress lines go to `log`. */
export async function runFlash(
  bundlePath: string,
  o: FlashCommandOptions,
  openLink: OpenLink,
  log: (line: string) => void = console.log,
): Promise<FlashReport> {
  const bundle = new Uint8Array(readFileSync(bundlePath));
  const link = await openLink(o.port, Number(o.baud ?? 115200));
  try {
    let last = -1;
    const r = await flashBundle(link, bundle, {
      file: o.file,
      load: o.load,
      chunkSize: o.chunk === undefined ? undefined : Number(o.chunk),
      onProgress: (done, total) => {
        const pct = Math.floor((done * 100) / total);
        if (pct >= last + 10 || done === total) {
          last = pct;
          log(`flash ${o.port}: ${done}/${total} chunks (${pct}%)`);
        }
      },
    });
    log(
      `flash ${o.port}: ${r.bytes} bytes in ${r.chunks} chunks (${r.skipped} already on the board), ` +
        `CRC verified${r.loaded ? ', loaded' : ''}, ${r.ms} ms`,
    );
    return r;
  } finally {
    link.close();
  }
}

export function registerFlashCommand(fw: Command, openLink: OpenLink): Command {
  return fw
    .command('flash <bundle>')
    .description('upload a bundle to an Espruino board over its serial console (resumable, CRC-verified)')
    .requiredOption('--port <path>', 'serial port, e.g. /dev/serial/by-id/usb-...')
    .option('--baud <n>', 'baud rate', '115200')
    .option('--file <name>', 'Storage file to write', '.bootcde')
    .option('--chunk <bytes>', 'bytes per Storage.write', '384')
    .option('--no-load', 'do not load() the new code afterwards')
    .action(async (bundle: string, o: FlashCommandOptions) => {
      try {
        await runFlash(bundle, o, openLink);
      } catch (e) {
        const code = (e as { code?: string }).code;
        console.error(`badgewire firmware flash: ${code ? code + ': ' : ''}${(e as Error).message}`);
        process.exitCode = 2;
      }
    });
}
