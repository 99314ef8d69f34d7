/** The host's `badgewire` subcommands: `keys` and `bridge`. The simulator's CLI entry registers them. */
import type { Command } from 'commander';
import { runBridge } from '../bridge';
import { registerBridgeCommand } from './bridge';
import { type CliIo, processIo } from './common';
import { registerKeysCommand } from './keys';

export type { CliIo } from './common';

export function registerHostCommands(program: Command, io: CliIo = processIo): void {
  registerKeysCommand(program, io);
  registerBridgeCommand(program, io, runBridge);
}
