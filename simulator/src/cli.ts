#!/usr/bin/env node
/** The one `badgewire` CLI: subcommands come from the packages that own them. */
import { Command } from 'commander';

const program = new Command('badgewire').description('badgewire: event badges, readers and the host bridge');
program
  .command('sim')
  .description('run the venue simulator')
  .action(() => {
    console.log('simulator: not built yet');
  });
await program.parseAsync(process.argv);
