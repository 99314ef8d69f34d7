/**
 * `badgewire bridge`: `--config FILE` runs the bridge (../bridge); `backup` takes encrypted snapshots of every
 * tenant and of the bridge's own state (API audit trails, API clients, reader records) plus a copy of the
 * sealed key store, and applies the retention policy; `restore` puts one tenant's snapshot (`.bwbak`, with
 * --tenant) or the host state snapshot (`.bwhost`) back, with the bridge stopped.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { backupAll, isHostStateFile, restoreHostState, restoreTenant } from '../backup/index';
import { type BridgeConfig, loadConfig } from '../config/index';
import { BadgewireError } from '../errors';
import { TenantStores } from '../journal/index';
import { openKeyStoreAt } from '../keys/index';
import { type CliIo, guarded } from './common';
import { simReaderCommand } from './sim-reader';

/** `--config` belongs to `bridge` and is read from there, so it may come before or after the subcommand. */
function configOf(cmd: Command): string {
  const file = (cmd.optsWithGlobals() as { config?: string }).config;
  if (!file) throw new BadgewireError('E_CONFIG_READ', 'give --config FILE', {});
  return file;
}

export function registerBridgeCommand(
  program: Command,
  io: CliIo,
  run: (c: BridgeConfig, io: CliIo) => Promise<void>,
): Command {
  const bridge = program
    .command('bridge')
    .description('run the host bridge, or back it up and restore it')
    .option('--config <file>', 'bridge config file (JSON)')
    .action(
      guarded(io, async (o: { config?: string }) => {
        if (!o.config) throw new BadgewireError('E_CONFIG_READ', 'give --config FILE', {});
        await run(loadConfig(o.config), io);
      }),
    );

  bridge
    .command('backup')
    .description(
      'snapshot every tenant journal (encrypted) and the sealed key store; prune by retention policy',
    )
    .action(
      guarded(io, async (_o: unknown, cmd: Command) => {
        const c = loadConfig(configOf(cmd));
        const ks = openKeyStoreAt(c.keyStore, io.env, io.now);
        const stores = new TenantStores({ dataDir: c.dataDir, keys: ks });
        try {
          const host = { dataDir: c.dataDir, clientsFile: c.api.clientsFile };
          for (const p of await backupAll({ tenants: c.tenants, ...c.backup, host }, ks, stores, io.now))
            io.out(`wrote ${p}`);
        } finally {
          await stores.closeAll();
        }
      }),
    );

  bridge
    .command('restore')
    .description(
      "restore one tenant's journal (.bwbak, with --tenant) or the bridge's own state (.bwhost); stop the bridge first",
    )
    .option('--tenant <id>', 'tenant to restore (journal snapshots)')
    .requiredOption('--from <file>', 'snapshot file (.bwbak or .bwhost)')
    .action(
      guarded(io, (o: { tenant?: string; from: string }, cmd: Command) => {
        const c = loadConfig(configOf(cmd));
        const ks = openKeyStoreAt(c.keyStore, io.env, io.now);
        let file: Uint8Array;
        try {
          file = new Uint8Array(readFileSync(o.from));
        } catch (e) {
          throw new BadgewireError('E_BACKUP_IO', 'cannot read the snapshot file', {}, { cause: e });
        }
        if (isHostStateFile(o.from)) {
          const names = restoreHostState(file, ks.backupKey(), {
            dataDir: c.dataDir,
            clientsFile: c.api.clientsFile,
          });
          io.out(`restored host state: ${names.join(', ') || 'nothing to restore'}`);
          return;
        }
        if (!o.tenant)
          throw new BadgewireError('E_CONFIG_READ', 'give --tenant ID to restore a journal snapshot', {});
        const stores = new TenantStores({ dataDir: c.dataDir, keys: ks });
        const h = restoreTenant(stores, o.tenant, file, ks.backupKey());
        io.out(
          `restored tenant ${h.tenant} to position ${h.lastPos} (snapshot of ${new Date(h.createdAt).toISOString()})`,
        );
      }),
    );
  bridge
    .command('sim-reader')
    .description('run a simulated reader on a new pseudo-terminal (for trying the bridge without hardware)')
    .requiredOption('--reader <id>', 'reader id (16 hex digits), as in the bridge config')
    .requiredOption('--key-file <file>', 'the reader key written by `keys create-reader --out`')
    .requiredOption('--pty <path>', 'where to create the pty the bridge opens (readers[].transport.path)')
    .option('--every <ms>', 'report a badge sighting this often', '2000')
    .action(
      guarded(io, (o: { reader: string; keyFile: string; pty: string; every: string }) =>
        simReaderCommand(o, io.out),
      ),
    );
  return bridge;
}
