/**
 * `badgewire bridge`: `--config FILE` runs the bridge (../bridge); `backup` takes encrypted snapshots of every
 * tenant plus a copy of the sealed key store and applies the retention policy; `restore` puts one tenant's
 * snapshot back (with the bridge stopped).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { backupAll, restoreTenant } from '../backup/index';
import { type BridgeConfig, loadConfig } from '../config/index';
import { BadgewireError } from '../errors';
import { TenantStores } from '../journal/index';
import { openKeyStoreAt } from '../keys/index';
import { type CliIo, guarded } from './common';

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
          for (const p of await backupAll({ tenants: c.tenants, ...c.backup }, ks, stores, io.now))
            io.out(`wrote ${p}`);
        } finally {
          await stores.closeAll();
        }
      }),
    );

  bridge
    .command('restore')
    .description("restore one tenant's journal from a snapshot (stop the bridge first)")
    .requiredOption('--tenant <id>', 'tenant to restore')
    .requiredOption('--from <file>', 'snapshot file (.bwbak)')
    .action(
      guarded(io, (o: { tenant: string; from: string }, cmd: Command) => {
        const c = loadConfig(configOf(cmd));
        const ks = openKeyStoreAt(c.keyStore, io.env, io.now);
        const stores = new TenantStores({ dataDir: c.dataDir, keys: ks });
        let file: Uint8Array;
        try {
          file = new Uint8Array(readFileSync(o.from));
        } catch (e) {
          throw new BadgewireError('E_BACKUP_IO', 'cannot read the snapshot file', {}, { cause: e });
        }
        const h = restoreTenant(stores, o.tenant, file, ks.backupKey());
        io.out(
          `restored tenant ${h.tenant} to position ${h.lastPos} (snapshot of ${new Date(h.createdAt).toISOString()})`,
        );
      }),
    );
  return bridge;
}
