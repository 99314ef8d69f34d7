/**
 * Config validator: walks the raw JSON once, collects EVERY mistake with its JSON path (not just the first),
 * applies the defaults documented in ./types, and resolves relative paths against the config file's directory.
 * Hand-written rather than a schema library: the rules that matter here (cross-references, "TLS unless
 * loopback", "no inline secrets") are not expressible in plain JSON Schema anyway.
 */
import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_RETENTION } from '../backup/retention';
import { BadgewireError } from '../errors';
import { TENANT_ID } from '../journal/tenants';
import type { BridgeConfig, ConfigIssue, ReaderConfig, ReaderTransport } from './types';

type Obj = Record<string, unknown>;
const ID = /^[A-Za-z0-9._:-]{1,64}$/;
const ENV = /^[A-Z_][A-Z0-9_]{0,127}$/;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const BLE_ADDR = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const INLINE_SECRET = /^(passphrase|password|secret|token|privateKey|apiKey|key)$/i;

class Checker {
  readonly issues: ConfigIssue[] = [];
  constructor(readonly base: string) {}

  add(path: string, message: string): void {
    this.issues.push({ path: path || '(root)', message });
  }

  /** An object with only the `allowed` keys; undefined (and an issue) otherwise. */
  obj(path: string, v: unknown, allowed: string[], required = true): Obj | undefined {
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.add(path, 'must be an object');
      return undefined;
    }
    for (const k of Object.keys(v)) {
      if (allowed.includes(k)) continue;
      if (INLINE_SECRET.test(k))
        this.add(
          join(path, k),
          'inline secrets are not accepted; name an environment variable (…Env) or a file',
        );
      else this.add(join(path, k), `unknown field${suggest(k, allowed)}`);
    }
    return v as Obj;
  }

  str(
    path: string,
    v: unknown,
    opts: { re?: RegExp; what?: string; def?: string; optional?: boolean } = {},
  ): string | undefined {
    if (v === undefined) {
      if (opts.def !== undefined || opts.optional) return opts.def;
      this.add(path, 'is required');
      return undefined;
    }
    if (typeof v !== 'string' || v.length === 0) {
      this.add(path, 'must be a non-empty string');
      return undefined;
    }
    if (opts.re && !opts.re.test(v)) {
      this.add(path, `must be ${opts.what ?? `a string matching ${opts.re}`}`);
      return undefined;
    }
    return v;
  }

  int(path: string, v: unknown, min: number, max: number, def?: number): number | undefined {
    if (v === undefined && def !== undefined) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.add(path, `must be an integer from ${min} to ${max}`);
      return undefined;
    }
    return v;
  }

  file(path: string, v: unknown, def?: string, optional = false): string | undefined {
    const s = this.str(path, v, { def, optional });
    return s === undefined ? undefined : isAbsolute(s) ? s : resolve(this.base, s);
  }

  arr(path: string, v: unknown, def: unknown[] = []): unknown[] {
    if (v === undefined) return def;
    if (!Array.isArray(v)) {
      this.add(path, 'must be an array');
      return [];
    }
    return v;
  }
}

function join(path: string, k: string | number): string {
  return typeof k === 'number' ? `${path}[${k}]` : path ? `${path}.${k}` : k;
}

function suggest(k: string, allowed: string[]): string {
  const close = allowed.find(
    (a) => a.toLowerCase() === k.toLowerCase() || editDistance(a.toLowerCase(), k.toLowerCase()) <= 2,
  );
  return close ? `; did you mean "${close}"?` : `; allowed: ${allowed.join(', ')}`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

function transport(c: Checker, path: string, v: unknown): ReaderTransport | undefined {
  const t = c.obj(path, v, ['type', 'path', 'vid', 'pid', 'serialNumber', 'baudRate', 'address']);
  if (!t) return undefined;
  if (t.type === 'ble') {
    for (const k of ['path', 'vid', 'pid', 'serialNumber', 'baudRate'])
      if (k in t) c.add(join(path, k), 'not valid for a BLE transport');
    const address = c.str(join(path, 'address'), t.address, {
      re: BLE_ADDR,
      what: 'a BLE address like "c0:ff:ee:00:00:01"',
    });
    return address ? { type: 'ble', address: address.toLowerCase() } : undefined;
  }
  if (t.type !== 'serial') {
    c.add(join(path, 'type'), 'must be "serial" or "ble"');
    return undefined;
  }
  if ('address' in t) c.add(join(path, 'address'), 'not valid for a serial transport (use path or vid/pid)');
  const baudRate = c.int(join(path, 'baudRate'), t.baudRate, 1200, 4_000_000, 115_200) ?? 115_200;
  if (t.path !== undefined) {
    for (const k of ['vid', 'pid', 'serialNumber'])
      if (k in t) c.add(join(path, k), 'give either path or vid/pid, not both');
    const p = c.str(join(path, 'path'), t.path);
    return p ? { type: 'serial', path: p, baudRate } : undefined;
  }
  if (t.vid === undefined && t.pid === undefined) {
    c.add(path, 'a serial transport needs path, or vid and pid');
    return undefined;
  }
  const vid = c.str(join(path, 'vid'), t.vid, { re: HEX4, what: '4 hex digits, e.g. "1915"' });
  const pid = c.str(join(path, 'pid'), t.pid, { re: HEX4, what: '4 hex digits, e.g. "520f"' });
  const sn = c.str(join(path, 'serialNumber'), t.serialNumber, {
    optional: true,
    re: /^[\x21-\x7e]{1,64}$/,
    what: 'printable ASCII',
  });
  if (!vid || !pid) return undefined;
  const out: ReaderTransport = { type: 'serial', vid: vid.toLowerCase(), pid: pid.toLowerCase(), baudRate };
  if (sn !== undefined) out.serialNumber = sn;
  return out;
}

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

  const seenReaders = new Set<string>();
  const seenPorts = new Set<string>();
  const readers: ReaderConfig[] = c.arr('readers', r.readers).flatMap((x, i) => {
    const p = `readers[${i}]`;
    const o = c.obj(p, x, ['id', 'tenant', 'role', 'door', 'zone', 'transport']);
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
        t.type === 'ble'
          ? `ble:${t.address}`
          : 'path' in t
            ? `path:${t.path}`
            : `usb:${t.vid}:${t.pid}:${t.serialNumber ?? ''}`;
      if (seenPorts.has(k)) c.add(`${p}.transport`, 'another reader already uses this transport');
      seenPorts.add(k);
    }
    if (!id || !tenant || !role || !t) return [];
    const rc: ReaderConfig = { id, tenant, role: role as ReaderConfig['role'], transport: t };
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

  const enrolment: Record<string, string> = {};
  const en = c.obj('enrolment', r.enrolment ?? {}, tenants);
  for (const [t, f] of Object.entries(en ?? {})) {
    const file = c.file(`enrolment.${t}`, f);
    if (file && tenants.includes(t)) enrolment[t] = file;
  }
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
    journal: { commitWindowMs },
    backup,
    log: { level: level as BridgeConfig['log']['level'] },
  };
}
