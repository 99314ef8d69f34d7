/**
 * The bridge composition root: config -> key store -> per-tenant journals -> (reader hub -> resolver ->
 * access policy) -> journal -> outputs. Each piece is built from the validated config and handed only the
 * layer below it. Pieces owned by other modules are wired here as they land; `runBridge` reports which are
 * running so an operator never mistakes a partial bridge for a full one.
 */
import { backupAll } from './backup/index';
import type { BridgeConfig } from './config/index';
import { TenantStores } from './journal/index';
import { type KeyStore, openKeyStoreAt } from './keys/index';
import { createLogger, type Logger } from './log/index';

export interface Bridge {
  readonly config: BridgeConfig;
  readonly keys: KeyStore;
  readonly stores: TenantStores;
  readonly log: Logger;
  /** Takes one backup round now (also run every `backup.intervalMinutes`). */
  backup(): Promise<string[]>;
  stop(): Promise<void>;
}

export interface StartOptions {
  env: NodeJS.ProcessEnv;
  now?: () => number;
  log?: Logger;
}

export async function startBridge(config: BridgeConfig, opts: StartOptions): Promise<Bridge> {
  const log = opts.log ?? createLogger({ level: config.log.level, base: { component: 'bridge' } });
  const keys = openKeyStoreAt(config.keyStore, opts.env, opts.now);
  const stores = new TenantStores({
    dataDir: config.dataDir,
    keys,
    windowMs: config.journal.commitWindowMs,
    logger: log.child({ component: 'journal' }),
  });
  for (const t of config.tenants) {
    const s = stores.get(t);
    log.info({ tenant: t, lastPos: s.journal.lastPos() }, 'tenant journal open');
  }
  let backingUp: Promise<string[]> | null = null;
  const backup = () => {
    backingUp ??= backupAll(
      { tenants: config.tenants, ...config.backup },
      keys,
      stores,
      opts.now ?? Date.now,
    ).finally(() => {
      backingUp = null;
    });
    return backingUp;
  };
  const timer = setInterval(() => {
    backup().then(
      (files) => log.info({ files: files.length }, 'backup round done'),
      (err) => log.error({ err }, 'backup round failed'),
    );
  }, config.backup.intervalMinutes * 60_000);
  timer.unref();
  return {
    config,
    keys,
    stores,
    log,
    backup,
    async stop() {
      clearInterval(timer);
      if (backingUp) await backingUp.catch(() => undefined);
      await stores.closeAll();
      log.info('bridge stopped');
    },
  };
}

/** `badgewire bridge --config FILE`: runs until SIGINT/SIGTERM, then closes journals cleanly. */
export async function runBridge(
  config: BridgeConfig,
  io: { env: NodeJS.ProcessEnv; now: () => number },
): Promise<void> {
  const b = await startBridge(config, { env: io.env, now: io.now });
  b.log.info({ tenants: config.tenants.length, readers: config.readers.length }, 'bridge running');
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await b.stop();
}
