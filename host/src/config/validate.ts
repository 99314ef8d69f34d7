/**
 * Config validator: walks the raw JSON once, collects EVERY mistake with its JSON path (not just the first),
 * applies the defaults documented in ./types, and resolves relative paths against the config file's directory.
 * Hand-written rather than a schema library: the rules that matter here (cross-references, "TLS unless
 * loopback", "no inline secrets") are not expressible in plain JSON Schema anyway.
 */
import { resolve } from 'node:path';
import { DEFAULT_RETENTION } from '../backup/retention';
import { BadgewireError } from '../errors';
import { TENANT_ID } from '../journal/tenants';
import { Checker, ENV, ID, LEVELS, LOOPBACK } from './checker';
import { bleConfig, readerExtras, sunConfig, transport } from './readers';
import type { BridgeConfig, ReaderConfig } from './types';

/** Validates raw parsed JSON. Throws E_CONFIG_INVALID listing every issue as `path: message`. */
export function validateConfig(raw: unknown, configDir: string): BridgeConfig {
  const c = new Checker(configDir);
  const top = [
    'enrolment',
    'dataDir',
    'keyStore',
    'tenants',
    'readers',
    'doors',
    'zones',
    'api',
    'mqtt',
    'ble',
    'sun',
    'relay',
    'journal',
    'backup',
    'log',
  ];
  const r = c.obj('', raw, top) ?? {};
  const dataDir = c.file('dataDir', r.dataDir, './badgewire-data') ?? resolve(configDir, 'badgewire-data');

  const ks = c.obj('keyStore', r.keyStore ?? {}, ['path', 'passphraseEnv', 'keyFile']) ?? {};
  const keyStore: BridgeConfig['keyStore'] = {
    path: c.file('keyStore.path', ks.path, resolve(dataDir, 'keys.sealed')) ?? '',
    passphraseEnv:
      c.str('keyStore.passphraseEnv', ks.passphraseEnv, {
        re: ENV,
        what: 'an environment variable name',
        def: 'BADGEWIRE_KEYSTORE_PASSPHRASE',
      }) ?? '',
  };
  if (ks.keyFile !== undefined) keyStore.keyFile = c.file('keyStore.keyFile', ks.keyFile);

  const tenants = c
    .arr('tenants', r.tenants, ['default'])
    .map(
      (t, i) =>
        c.str(`tenants[${i}]`, t, { re: TENANT_ID, what: 'a tenant id (a-z, 0-9, inner hyphens, 1-32)' }) ??
        '',
    );
  if (tenants.length === 0) c.add('tenants', 'needs at least one tenant');
  const zones = c.arr('zones', r.zones).flatMap((z, i) => {
    const o = c.obj(`zones[${i}]`, z, ['id', 'capacity']);
    if (!o) return [];
    const id = c.str(`zones[${i}].id`, o.id, { re: ID, what: 'an id of 1-64 chars [A-Za-z0-9._:-]' });
    const cap =
      o.capacity === undefined ? undefined : c.int(`zones[${i}].capacity`, o.capacity, 1, 1_000_000);
    return id ? [cap === undefined ? { id } : { id, capacity: cap }] : [];
  });
  const zoneIds = new Set(zones.map((z) => z.id));
  const doors = c.arr('doors', r.doors).flatMap((d, i) => {
    const o = c.obj(`doors[${i}]`, d, ['id', 'zone']);
    if (!o) return [];
    const id = c.str(`doors[${i}].id`, o.id, { re: ID, what: 'an id of 1-64 chars [A-Za-z0-9._:-]' });
    const zone = c.str(`doors[${i}].zone`, o.zone);
    if (zone && !zoneIds.has(zone)) c.add(`doors[${i}].zone`, `no zone with id "${zone}" in zones`);
    return id && zone ? [{ id, zone }] : [];
  });
  const doorIds = new Set(doors.map((d) => d.id));

  const enrolment: Record<string, string> = {};
  const en = c.obj('enrolment', r.enrolment ?? {}, tenants);
  for (const [t, f] of Object.entries(en ?? {})) {
    const file = c.file(`enrolment.${t}`, f);
    if (file && tenants.includes(t)) enrolment[t] = file;
  }
  const sun = sunConfig(c, r.sun, tenants, (t) => t in enrolment);
  const seenReaders = new Set<string>();
  const seenPorts = new Set<string>();
  const readers: ReaderConfig[] = c.arr('readers', r.readers).flatMap((x, i) => {
    const p = `readers[${i}]`;
    const o = c.obj(p, x, [
      'id',
      'tenant',
      'role',
      'door',
      'zone',
      'transport',
      'position',
      'tapModes',
      'exhibitor',
    ]);
    if (!o) return [];
    const id = c.str(`${p}.id`, o.id, { re: ID, what: 'an id of 1-64 chars [A-Za-z0-9._:-]' });
    if (id && seenReaders.has(id)) c.add(`${p}.id`, `duplicate reader id "${id}"`);
    if (id) seenReaders.add(id);
    const tenant = c.str(`${p}.tenant`, o.tenant, { def: tenants[0] });
    if (tenant && !tenants.includes(tenant)) c.add(`${p}.tenant`, `no tenant "${tenant}" in tenants`);
    const role = c.str(`${p}.role`, o.role, {
      def: 'door',
      re: /^(door|lead|presence)$/,
      what: '"door", "lead" or "presence"',
    });
    const door = c.str(`${p}.door`, o.door, { optional: true });
    if (door && !doorIds.has(door)) c.add(`${p}.door`, `no door with id "${door}" in doors`);
    if (role === 'door' && door === undefined) c.add(`${p}.door`, 'a door reader needs a door');
    const zone = c.str(`${p}.zone`, o.zone, { optional: true });
    if (zone && !zoneIds.has(zone)) c.add(`${p}.zone`, `no zone with id "${zone}" in zones`);
    const t = transport(c, `${p}.transport`, o.transport);
    if (t) {
      const k =
        t.type === 'ble-scan'
          ? 'ble-scan'
          : t.type === 'ble'
            ? 'address' in t
              ? `ble:${t.address}`
              : `ble-name:${t.name}`
            : 'path' in t
              ? `path:${t.path}`
              : `usb:${t.vid}:${t.pid}:${t.serialNumber ?? ''}`;
      if (seenPorts.has(k))
        c.add(
          `${p}.transport`,
          k === 'ble-scan'
            ? "only one reader can be the bridge's own BLE scan"
            : 'another reader already uses this transport',
        );
      if (k === 'ble-scan' && o.tapModes !== undefined)
        c.add(`${p}.tapModes`, 'a ble-scan reader only hears advertisements; it takes no taps');
      seenPorts.add(k);
    }
    const extras = readerExtras(c, p, o, role, tenant !== undefined && tenant in sun);
    if (!id || !tenant || !role || !t) return [];
    const rc: ReaderConfig = { id, tenant, role: role as ReaderConfig['role'], transport: t, ...extras };
    if (door) rc.door = door;
    if (zone) rc.zone = zone;
    return [rc];
  });

  const a = c.obj('api', r.api ?? {}, ['listen', 'tls', 'audience', 'clientsFile']) ?? {};
  const l = c.obj('api.listen', a.listen ?? {}, ['host', 'port']) ?? {};
  const host = c.str('api.listen.host', l.host, { def: '127.0.0.1' }) ?? '127.0.0.1';
  const port = c.int('api.listen.port', l.port, 0, 65535, 8443) ?? 8443;
  let tls: BridgeConfig['api']['tls'] = null;
  if (a.tls !== undefined) {
    const t = c.obj('api.tls', a.tls, ['cert', 'key', 'ca']);
    if (t) {
      tls = { cert: c.file('api.tls.cert', t.cert) ?? '', key: c.file('api.tls.key', t.key) ?? '' };
      if (t.ca !== undefined) tls.ca = c.file('api.tls.ca', t.ca);
    }
  } else if (!LOOPBACK.has(host))
    c.add(
      'api.tls',
      `required when the API listens on "${host}" (not loopback): data is encrypted in flight`,
    );
  const clientsFile = a.clientsFile === undefined ? null : (c.file('api.clientsFile', a.clientsFile) ?? null);
  const audience =
    c.str('api.audience', a.audience, {
      def: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    }) ?? '';

  let mqtt: BridgeConfig['mqtt'] = null;
  if (r.mqtt !== undefined && r.mqtt !== null) {
    const m = c.obj('mqtt', r.mqtt, ['url', 'topicPrefix', 'clientId', 'usernameEnv', 'passwordEnv', 'ca']);
    if (m) {
      const url = c.str('mqtt.url', m.url, {
        re: /^(mqtts?|wss?):\/\/[^\s/]+/,
        what: 'an mqtt://, mqtts://, ws:// or wss:// URL',
      });
      if (
        url &&
        /^(mqtt|ws):/.test(url) &&
        !LOOPBACK.has(new URL(url.replace(/^\w+:/, 'http:')).hostname.replace(/^\[|\]$/g, ''))
      )
        c.add('mqtt.url', 'use mqtts:// or wss:// for a broker that is not on loopback');
      mqtt = {
        url: url ?? '',
        topicPrefix:
          c.str('mqtt.topicPrefix', m.topicPrefix, {
            def: 'badgewire',
            re: /^[A-Za-z0-9_/-]{1,64}$/,
            what: 'a topic prefix without wildcards',
          }) ?? '',
      };
      for (const k of ['clientId', 'usernameEnv', 'passwordEnv'] as const) {
        const re = k === 'clientId' ? ID : ENV;
        const s = c.str(`mqtt.${k}`, m[k], {
          optional: true,
          re,
          what: k === 'clientId' ? 'an id' : 'an environment variable name',
        });
        if (s !== undefined) mqtt[k] = s;
      }
      if (m.ca !== undefined) mqtt.ca = c.file('mqtt.ca', m.ca);
    }
  }

  const ble = bleConfig(c, r.ble, readers.filter((x) => x.transport.type !== 'serial').length);
  const rl = c.obj('relay', r.relay ?? {}, ['maxSpeedMps', 'horizonMs']) ?? {};
  const relay = {
    maxSpeedMps:
      rl.maxSpeedMps === undefined ? 7 : (c.num('relay.maxSpeedMps', rl.maxSpeedMps, 0.1, 1000) ?? 7),
    horizonMs: c.int('relay.horizonMs', rl.horizonMs, 1000, 3_600_000, 30_000) ?? 30_000,
  };
  const j = c.obj('journal', r.journal ?? {}, ['commitWindowMs']) ?? {};
  const b = c.obj('backup', r.backup ?? {}, ['dir', 'intervalMinutes', 'retention']) ?? {};
  const ret = c.obj('backup.retention', b.retention ?? {}, ['hourly', 'daily', 'weekly', 'monthly']) ?? {};
  const retention = { ...DEFAULT_RETENTION };
  for (const k of ['hourly', 'daily', 'weekly', 'monthly'] as const)
    retention[k] = c.int(`backup.retention.${k}`, ret[k], 0, 10_000, DEFAULT_RETENTION[k]) ?? 0;
  const lg = c.obj('log', r.log ?? {}, ['level']) ?? {};
  const level = c.str('log.level', lg.level, { def: 'info' }) ?? 'info';
  if (!LEVELS.has(level)) c.add('log.level', `must be one of ${[...LEVELS].join(', ')}`);
  const commitWindowMs = c.int('journal.commitWindowMs', j.commitWindowMs, 0, 1000, 2) ?? 2;
  const backup = {
    dir: c.file('backup.dir', b.dir, resolve(dataDir, 'backups')) ?? '',
    intervalMinutes: c.int('backup.intervalMinutes', b.intervalMinutes, 1, 10_080, 60) ?? 60,
    retention,
  };

  if (c.issues.length > 0) {
    const list = c.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
    throw new BadgewireError(
      'E_CONFIG_INVALID',
      `configuration has ${c.issues.length} problem(s):\n${list}\n`,
      {
        issues: c.issues.map((i) => `${i.path}: ${i.message}`),
      },
    );
  }
  return {
    configDir,
    dataDir,
    keyStore,
    tenants,
    readers,
    enrolment,
    doors,
    zones,
    api: { listen: { host, port }, tls, audience, clientsFile },
    mqtt,
    ble,
    sun,
    relay,
    journal: { commitWindowMs },
    backup,
    log: { level: level as BridgeConfig['log']['level'] },
  };
}
