/**
 * `badgewire firmware build --board B --role R`: registered on the one CLI by `registerFirmwareCommands`.
 * Prints the size report and exits non-zero when any bundle is refused.
 */
import type { Command } from 'commander';
import { type BuildResult, buildAll, buildFirmware, formatReport, type Role } from './bundle';
import type { BoardName } from './subset-budget';

export interface FirmwareBuildOptions {
  board?: string;
  role?: string;
  out?: string;
}

/** Builds what the options select; resolves with the results (the caller decides the exit code). */
export async function runFirmwareBuild(o: FirmwareBuildOptions): Promise<BuildResult[]> {
  if (!o.board && !o.role) return buildAll({ outDir: o.out });
  const boards = o.board ? [o.board] : ['puckjs', 'mdbt42q', 'esp32'];
  const roles = o.role ? [o.role] : ['reader', 'badge'];
  const out: BuildResult[] = [];
  for (const b of boards)
    for (const r of roles) {
      if (!o.board && r === 'badge' && b === 'esp32') continue;
      out.push(await buildFirmware(b as BoardName, r as Role, { outDir: o.out }));
    }
  return out;
}

export function registerFirmwareCommands(program: Command): Command {
  const fw = program.command('firmware').description('reader and badge firmware for Espruino boards');
  fw.command('build')
    .description('bundle firmware/dist/<board>/<role>.js through the Espruino-subset and budget gate')
    .option('--board <board>', 'puckjs | mdbt42q | esp32 (default: all)')
    .option('--role <role>', 'reader | badge (default: both where supported)')
    .option('--out <dir>', 'output directory (default: firmware/dist)')
    .action(async (o: FirmwareBuildOptions) => {
      try {
        const results = await runFirmwareBuild(o);
        console.log(formatReport(results));
        if (results.some((r) => !r.ok)) process.exitCode = 1;
      } catch (e) {
        console.error(`badgewire firmware build: ${(e as Error).message}`);
        process.exitCode = 2;
      }
    });
  return fw;
}
