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
 * the resolver. Not wired: BLE reader links (no BleAdapter wiring yet; BLE readers are listed, not attached).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '@badgewire/protocol';
import { AccessPolicy } from './access/index';
import {
  type ApiClient,
  type EntitlementUpdate,
  loadApiClients,
  type PolicySink,
  type ReaderInfo,
  type ReaderRegistry,
  type RevocationUpdate,
  type RunningApi,
  startIntegratorApi,
} from './api/index';
import { backupAll } from './backup/index';
import type { BridgeConfig } from './config/index';
import { DecisionEngine, type EngineEnrolment, type EngineReader, readEnrolmentFile } from './engine/index';
import { BadgewireError } from './errors';
import { TenantStores } from './journal/index';
import { type KeyStore, openKeyStoreAt } from './keys/index';
import { createLogger, type Logger } from './log/index';
import { createMqttOutput, fileCursor, type MqttOutput } from './output/index';
import { keyStoreKeyring, MemoryReaderStore, ReaderHub } from './readers/index';
import { type SerialSupervisor, superviseSerial, systemClock } from './transport/index';

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
}

function policiesFor(config: BridgeConfig): Map<string, AccessPolicy> {
  const doors = config.doors.map((d) => ({ id: d.id, zone: d.zone, from: null, mode: 'both' as const }));
  return new Map(config.tenants.map((t) => [t, new AccessPolicy({ doors, antiPassback: 'soft' })]));
}

/**
 * API updates -> the tenant's AccessPolicy (entitlements arrive per door with one validity window);
 * revocations also reach the resolver through the engine, so a revoked badge is refused by name.
 */
function policySink(policies: Map<string, AccessPolicy>, engine: DecisionEngine): PolicySink {
  const of = (tenant: string) => {
    const p = policies.get(tenant);
    if (!p) throw new BadgewireError('E_TENANT_ID', 'tenant is not configured on this bridge', {});
    return p;
  };
  return {
    async entitlement(tenant: string, e: EntitlementUpdate) {
      of(tenant).setEntitlement(e.badgeRef, {
        zones: [],
        doors: e.doors,
        windows: [{ fromS: Math.floor(e.validFrom / 1000), untilS: Math.floor(e.validUntil / 1000) }],
      });
    },
    async revocation(tenant: string, r: RevocationUpdate) {
      of(tenant);
      engine.revoke(tenant, r.badgeRef);
    },
  };
}

const LINK_ID = /^[0-9a-f]{16}$/;

/** The hub's view for readers it manages; configured readers it cannot manage are listed offline. */
function readerRegistry(config: BridgeConfig, hub: ReaderHub): ReaderRegistry {
  const info = (r: BridgeConfig['readers'][number]): ReaderInfo => {
    const live = hub.get(r.tenant, r.id);
    if (live) return live;
    const out: ReaderInfo = { id: r.id, transport: r.transport.type, state: 'offline', health: {} };
    if (r.door) out.doorId = r.door;
    return out;
  };
  return {
    list: (tenant) => config.readers.filter((r) => r.tenant === tenant).map(info),
    get: (tenant, id) => {
      const r = config.readers.find((x) => x.tenant === tenant && x.id === id);
      return r ? info(r) : undefined;
    },
  };
}

function engineReaders(config: BridgeConfig): EngineReader[] {
  return config.readers
    .filter((r) => LINK_ID.test(r.id))
    .map((r) => {
      const e: EngineReader = { id: r.id, tenant: r.tenant, role: r.role };
      if (r.door) e.door = r.door;
      if (r.zone) e.zone = r.zone;
      return e;
    });
}

function enrolmentOf(config: BridgeConfig, keys: KeyStore): Map<string, EngineEnrolment> {
  const out = new Map<string, EngineEnrolment>();
  for (const [tenant, file] of Object.entries(config.enrolment)) {
    const f = readEnrolmentFile(file);
    out.set(tenant, { keys, masterKeyId: f.masterKeyId, badges: f.badges });
  }
  return out;
}

function startReaders(config: BridgeConfig, hub: ReaderHub, clock: Clock, log: Logger): SerialSupervisor[] {
  const sups: SerialSupervisor[] = [];
  for (const r of config.readers) {
    if (!LINK_ID.test(r.id)) {
      log.warn({ readerId: r.id }, 'reader id is not a 16-hex-digit link id: listed, not attached');
      continue;
    }
    hub.register(
      r.id,
      r.tenant,
      r.door ? { door: r.role === 'door', doorId: r.door } : { door: r.role === 'door' },
    );
    const t = r.transport;
    if (t.type !== 'serial') continue;
    sups.push(
      superviseSerial({
        ...('path' in t
          ? { path: t.path }
          : { match: [{ vendorId: t.vid, productId: t.pid, serialNumber: t.serialNumber }] }),
        baudRate: t.baudRate,
        clock,
        onLink: (link) => {
          hub.attach(link, 'serial');
        },
        onError: (err) => log.warn({ readerId: r.id, code: err.code }, 'reader transport fault'),
      }),
    );
  }
  return sups;
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
  const clock = opts.clock ?? systemClock;
  const engine = new DecisionEngine({
    clock,
    stores,
    policies,
    readers: engineReaders(config),
    enrolment: enrolmentOf(config, keys),
    log: log.child({ component: 'engine' }),
  });
  const hub = new ReaderHub({
    store: new MemoryReaderStore(),
    keyring: keyStoreKeyring(keys),
    clock,
    onEvent: (ev) => engine.handle(ev),
    onFault: (readerId, code) => log.debug({ readerId, code }, 'reader link fault'),
  });
  engine.bind(hub);
  let api: RunningApi | null = null;
  let mqtt = new Map<string, MqttOutput>();
  let sups: SerialSupervisor[] = [];
  try {
    sups = startReaders(config, hub, clock, log.child({ component: 'readers' }));
    engine.start();
    api = await startApi(
      config,
      stores,
      policySink(policies, engine),
      readerRegistry(config, hub),
      opts,
      log,
    );
    mqtt = await startMqtt(config, stores, opts.env, log);
  } catch (e) {
    for (const sup of sups) sup.stop();
    hub.close();
    await engine.stop();
    await api?.api.close();
    for (const o of mqtt.values()) await o.stop();
    await stores.closeAll();
    throw e;
  }

  let backingUp: Promise<string[]> | null = null;
  const backup = () => {
    backingUp ??= backupAll({ tenants: config.tenants, ...config.backup }, keys, stores, now).finally(() => {
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
  log.info(
    {
      tenants: config.tenants.length,
      readers: config.readers.length,
      api: api !== null,
      serialReaders: sups.length,
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
      for (const sup of sups) sup.stop();
      hub.close();
      await engine.stop();
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
