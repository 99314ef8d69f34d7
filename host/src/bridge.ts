/**
 * The bridge composition root: config -> key store -> per-tenant journals -> access policy -> outputs (the
 * integrator API and MQTT, both fed from the journal) -> periodic encrypted backups. Each piece is built from
 * the validated config and handed only the layer below it.
 *
 * Readers: the ReaderHub (host/src/readers, keys from the sealed KeyStore) gets every configured reader whose
 * id is its 8-byte link id in hex; serial readers are kept attached by the serial supervisor (path or USB
 * VID/PID/serial). Each SIGHTING/TAP goes to the DecisionEngine (host/src/engine): resolver (badges enrolled
 * from the tenant's enrolment file and the event master key) -> relay/presence/policy/leads -> journal ->
 * DECISION, and the hub ACKs only after the rows are durable. API revocations reach both the policy and
 * the resolver. BLE readers are kept connected through one shared noble adapter (./bridge-readers), loaded only
 * when a BLE reader is configured.
 *
 * State that survives a restart: reader records (session positions, rekey generation) in
 * `<dataDir>/state/readers.db`; the API's entitlements and revocations sealed in each tenant's SQLite file
 * (./access/policy-store), applied again on start.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '@badgewire/protocol';
import type { AccessPolicy } from './access/index';
import type { PolicyStore } from './access/policy-store';
import { RevocationSchedule } from './access/revocation-schedule';
import {
  type ApiClient,
  loadApiClients,
  type PolicySink,
  type ReaderRegistry,
  type RunningApi,
  startIntegratorApi,
} from './api/index';
import { backupAll } from './backup/index';
import {
  engineReaders,
  enrolmentOf,
  policiesFor,
  policySink,
  policyStores,
  restorePolicies,
  sunOf,
} from './bridge-engine';
import { type ReaderStartOptions, type RunningReaders, readerRegistry, startReaders } from './bridge-readers';
import type { BridgeConfig } from './config/index';
import { DecisionEngine } from './engine/index';
import { BadgewireError } from './errors';
import { TenantStores } from './journal/index';
import { type KeyStore, openKeyStoreAt } from './keys/index';
import { createLogger, type Logger } from './log/index';
import { createMqttOutput, fileCursor, type MqttOutput } from './output/index';
import { keyStoreKeyring, ReaderHub } from './readers/index';
import { SqliteReaderStore } from './readers/reader-store';
import { systemClock } from './transport/index';

export interface Bridge {
  readonly config: BridgeConfig;
  readonly keys: KeyStore;
  readonly stores: TenantStores;
  readonly log: Logger;
  /** One AccessPolicy per tenant, over the configured doors; the API's entitlement/revocation updates land here. */
  readonly policies: ReadonlyMap<string, AccessPolicy>;
  readonly api: RunningApi | null;
  readonly mqtt: ReadonlyMap<string, MqttOutput>;
  /** Reader sessions: attach links here (the serial supervisor does so for configured serial readers). */
  readonly hub: ReaderHub;
  /** Reader events -> resolver -> access logic -> journal -> DECISION. */
  readonly engine: DecisionEngine;
  /** Takes one backup round now (also run every `backup.intervalMinutes`). */
  backup(): Promise<string[]>;
  stop(): Promise<void>;
}

export interface StartOptions {
  env: NodeJS.ProcessEnv;
  now?: () => number;
  /** Reader session timers (virtual in tests). */
  clock?: Clock;
  log?: Logger;
  /** Where the API prints its certificate fingerprint line (stdout by default). */
  print?: (line: string) => void;
  /** Test seams for the reader transports (e.g. how the BLE adapter is opened). */
  readers?: ReaderStartOptions;
}

async function startApi(
  config: BridgeConfig,
  stores: TenantStores,
  policy: PolicySink,
  readers: ReaderRegistry,
  opts: StartOptions,
  log: Logger,
): Promise<RunningApi | null> {
  if (!config.api.clientsFile) return null;
  const clients: ApiClient[] = await loadApiClients(config.api.clientsFile, opts.env);
  const tls = config.api.tls
    ? { cert: readFileSync(config.api.tls.cert, 'utf8'), key: readFileSync(config.api.tls.key, 'utf8') }
    : null;
  return startIntegratorApi({
    dataDir: config.dataDir,
    listen: config.api.listen,
    tls,
    audience: config.api.audience,
    clients,
    readers,
    policy,
    openJournal: (tenant) => {
      if (!config.tenants.includes(tenant))
        throw new BadgewireError('E_TENANT_ID', 'tenant is not configured on this bridge', {});
      return stores.get(tenant).journal;
    },
    log: log.child({ component: 'api' }),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.print ? { print: opts.print } : {}),
  });
}

async function startMqtt(config: BridgeConfig, stores: TenantStores, env: NodeJS.ProcessEnv, log: Logger) {
  const out = new Map<string, MqttOutput>();
  const m = config.mqtt;
  if (!m) return out;
  for (const tenant of config.tenants) {
    const o = createMqttOutput({
      url: m.url,
      tenant,
      journal: stores.get(tenant).journal,
      cursor: fileCursor(join(config.dataDir, 'mqtt', `${tenant}.cursor.json`)),
      log: log.child({ component: 'mqtt', tenant }),
      topicPrefix: m.topicPrefix,
      ...(m.clientId ? { clientId: `${m.clientId}-${tenant}` } : {}),
      ...(m.usernameEnv ? { username: env[m.usernameEnv] } : {}),
      ...(m.passwordEnv ? { password: env[m.passwordEnv] } : {}),
      ...(m.ca ? { tls: { ca: readFileSync(m.ca, 'utf8') } } : {}),
    });
    await o.start();
    out.set(tenant, o);
  }
  return out;
}

export async function startBridge(config: BridgeConfig, opts: StartOptions): Promise<Bridge> {
  const log = opts.log ?? createLogger({ level: config.log.level, base: { component: 'bridge' } });
  const now = opts.now ?? Date.now;
  const keys = openKeyStoreAt(config.keyStore, opts.env, now);
  const stores = new TenantStores({
    dataDir: config.dataDir,
    keys,
    windowMs: config.journal.commitWindowMs,
    logger: log.child({ component: 'journal' }),
  });
  for (const t of config.tenants)
    log.info({ tenant: t, lastPos: stores.get(t).journal.lastPos() }, 'tenant journal open');
  const policies = policiesFor(config);
  const saved: Map<string, PolicyStore> = policyStores(config, stores, keys, now);
  const clock = opts.clock ?? systemClock;
  const enrolment = enrolmentOf(config, keys);
  const engine = new DecisionEngine({
    clock,
    stores,
    policies,
    readers: engineReaders(config),
    enrolment,
    sun: sunOf(config, keys, enrolment),
    relay: config.relay,
    log: log.child({ component: 'engine' }),
  });
  const revocations = new RevocationSchedule(clock, now, (tenant, ref) => {
    engine.revoke(tenant, ref);
    log.info({ tenant }, 'revocation in effect');
  });
  restorePolicies(saved, policies, revocations, log);
  const readerStore = new SqliteReaderStore(join(config.dataDir, 'state', 'readers.db'));
  const hub = new ReaderHub({
    store: readerStore,
    keyring: keyStoreKeyring(keys),
    clock,
    onEvent: (ev) => engine.handle(ev),
    onFault: (readerId, code) => log.debug({ readerId, code }, 'reader link fault'),
    groupCommit: true,
  });
  engine.bind(hub);
  let api: RunningApi | null = null;
  let mqtt = new Map<string, MqttOutput>();
  let links: RunningReaders | null = null;
  try {
    links = startReaders(
      config,
      hub,
      clock,
      log.child({ component: 'readers' }),
      (ev) => engine.handle(ev),
      opts.readers,
    );
    engine.start();
    api = await startApi(
      config,
      stores,
      policySink(policies, saved, revocations),
      readerRegistry(config, hub, () => links),
      opts,
      log,
    );
    mqtt = await startMqtt(config, stores, opts.env, log);
  } catch (e) {
    revocations.close();
    links?.stop();
    hub.close();
    readerStore.close();
    await engine.stop();
    await api?.api.close();
    for (const o of mqtt.values()) await o.stop();
    await stores.closeAll();
    throw e;
  }

  let backingUp: Promise<string[]> | null = null;
  const backup = () => {
    const host = { dataDir: config.dataDir, clientsFile: config.api.clientsFile };
    backingUp ??= backupAll({ tenants: config.tenants, ...config.backup, host }, keys, stores, now).finally(
      () => {
        backingUp = null;
      },
    );
    return backingUp;
  };
  const timer = setInterval(() => {
    backup().then(
      (files) => log.info({ files: files.length }, 'backup round done'),
      (err) => log.error({ err }, 'backup round failed'),
    );
  }, config.backup.intervalMinutes * 60_000);
  timer.unref();
  log.info(
    {
      tenants: config.tenants.length,
      readers: config.readers.length,
      api: api !== null,
      serialReaders: links.serial.length,
      bleReaders: links.ble.length,
      bleScan: links.scan !== null,
      mqtt: mqtt.size,
    },
    'bridge running',
  );
  return {
    config,
    keys,
    stores,
    log,
    policies,
    api,
    mqtt,
    hub,
    engine,
    backup,
    async stop() {
      clearInterval(timer);
      revocations.close();
      links?.stop();
      hub.close();
      await engine.stop();
      readerStore.close();
      if (backingUp) await backingUp.catch(() => undefined);
      await api?.api.close();
      for (const o of mqtt.values()) await o.stop();
      await stores.closeAll();
      log.info('bridge stopped');
    },
  };
}

/** `badgewire bridge --config FILE`: runs until SIGINT/SIGTERM, then closes outputs and journals cleanly. */
export async function runBridge(
  config: BridgeConfig,
  io: { env: NodeJS.ProcessEnv; now: () => number },
): Promise<void> {
  // Handlers first: a signal that arrives while the bridge is starting still stops it cleanly afterwards.
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // The bridge's own timers are unref'd (so tests and embedders can exit); the CLI process must stay up.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    const b = await startBridge(config, { env: io.env, now: io.now });
    await stopped;
    await b.stop();
  } finally {
    stop();
    clearInterval(keepAlive);
  }
}
