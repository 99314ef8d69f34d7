#!/usr/bin/env node
/**
 * The one `badgewire` CLI. Each package registers the subcommands it owns: firmware (build, flash, provision,
 * ...) from @badgewire/firmware, bridge and keys from @badgewire/host, sim and audit from this package.
 */
import { registerFirmwareCommands } from '@badgewire/firmware/build';
import { registerHostCommands } from '@badgewire/host';
import { Command } from 'commander';
import { registerDemoCommand } from './demo';
import { registerSimCommands } from './sim-cli';

const program = new Command('badgewire')
  .description('badgewire: privacy-by-construction event badges, readers and the host bridge')
  .showHelpAfterError();

registerFirmwareCommands(program);
registerHostCommands(program);
registerDemoCommand(program);
registerSimCommands(program);

await program.parseAsync(process.argv);
