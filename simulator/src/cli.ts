#!/usr/bin/env node
/**
 * The one `badgewire` CLI. Each package registers the subcommands it owns: firmware (build, flash, provision,
 * ...) from @badgewire/firmware, bridge and keys from @badgewire/host, sim and audit from this package.
 */
import { registerFirmwareCommands, registerFlashCommand } from '@badgewire/firmware/build';
import { openSerialLink, registerHostCommands } from '@badgewire/host';
import { Command } from 'commander';
import { registerDemoCommand } from './demo';
import { registerSimCommands } from './sim-cli';

const program = new Command('badgewire')
  .description('badgewire: privacy-by-construction event badges, readers and the host bridge')
  .showHelpAfterError();

const firmware = registerFirmwareCommands(program);
registerFlashCommand(firmware, (path, baudRate) => openSerialLink({ path, baudRate }));
registerHostCommands(program);
registerDemoCommand(program);
registerSimCommands(program);

await program.parseAsync(process.argv);
