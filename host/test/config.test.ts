import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../src/config/index';
import { BadgewireError } from '../src/errors';

const dir = mkdtempSync(join(tmpdir(), 'bw-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good = {
  dataDir: 'data',
  tenants: ['acme', 'globex'],
  zones: [{ id: 'hall-a', capacity: 500 }, { id: 'vip' }],
  doors: [{ id: 'door-1', zone: 'hall-a' }],
  readers: [
    { id: 'r-door-1', tenant: 'acme', door: 'door-1', transport: { type: 'serial', path: '/dev/ttyACM0' } },
    {
      id: 'r-lead-1',
      tenant: 'globex',
      role: 'lead',
      transport: { type: 'serial', vid: '1915', pid: '520F', serialNumber: 'E1A2' },
    },
    { id: 'r-vip', role: 'presence', zone: 'vip', transport: { type: 'ble', address: 'C0:FF:EE:00:00:01' } },
  ],
  api: {
    listen: { host: '0.0.0.0', port: 9443 },
    tls: { cert: 'tls/cert.pem', key: '/etc/bw/key.pem' },
    audience: 'https://bridge.example:9443',
    clientsFile: 'api-clients.json',
  },
  mqtt: { url: 'mqtts://broker.example:8883', usernameEnv: 'BW_MQTT_USER', passwordEnv: 'BW_MQTT_PASS' },
  backup: { retention: { hourly: 6 } },
};

describe('bridge config', () => {
  it('accepts a full config, applies documented defaults and resolves paths against the file', () => {
    const file = join(dir, 'bridge.json');
    writeFileSync(file, JSON.stringify(good, null, 2));
    const c = loadConfig(file);
    expect(c.dataDir).toBe(join(dir, 'data'));
    expect(c.keyStore).toEqual({
      path: join(dir, 'data', 'keys.sealed'),
      passphraseEnv: 'BADGEWIRE_KEYSTORE_PASSPHRASE',
    });
    expect(c.readers.map((r) => [r.id, r.tenant, r.role])).toEqual([
      ['r-door-1', 'acme', 'door'],
      ['r-lead-1', 'globex', 'lead'],
      ['r-vip', 'acme', 'presence'],
    ]);
    expect(c.readers[0]!.transport).toEqual({ type: 'serial', path: '/dev/ttyACM0', baudRate: 115200 });
    expect(c.readers[1]!.transport).toEqual({
      type: 'serial',
      vid: '1915',
      pid: '520f',
      serialNumber: 'E1A2',
      baudRate: 115200,
    });
    expect(c.readers[2]!.transport).toEqual({
      type: 'ble',
      address: 'c0:ff:ee:00:00:01',
      addressType: 'random',
    });
    // A BLE reader without `ble` gets the default adapter (hci0); serial-only configs get none (no noble).
    expect(c.ble).toEqual({
      adapter: { hci: 0 },
      connectTimeoutMs: 10_000,
      reconnect: { minMs: 1000, maxMs: 30_000 },
    });
    expect(c.relay).toEqual({ maxSpeedMps: 7, horizonMs: 30_000 });
    expect(c.api.tls).toEqual({ cert: join(dir, 'tls/cert.pem'), key: '/etc/bw/key.pem' });
    expect(c.api.clientsFile).toBe(join(dir, 'api-clients.json'));
    expect(c.api.audience).toBe('https://bridge.example:9443');
    expect(c.mqtt).toMatchObject({
      url: 'mqtts://broker.example:8883',
      topicPrefix: 'badgewire',
      passwordEnv: 'BW_MQTT_PASS',
    });
    expect(c.backup).toEqual({
      dir: join(dir, 'data', 'backups'),
      intervalMinutes: 60,
      retention: { hourly: 6, daily: 7, weekly: 4, monthly: 12 },
    });
    expect(c.journal.commitWindowMs).toBe(2);
    expect(c.log.level).toBe('info');
  });

  it('gives loopback-only defaults for an empty config', () => {
    const c = validateConfig({}, '/srv/bw');
    expect(c.tenants).toEqual(['default']);
    expect(c.api).toEqual({
      listen: { host: '127.0.0.1', port: 8443 },
      tls: null,
      audience: 'https://127.0.0.1:8443',
      clientsFile: null,
    });
    expect(c.mqtt).toBeNull();
    expect(c.ble).toBeNull();
    expect(c.sun).toEqual({});
    expect(c.dataDir).toBe('/srv/bw/badgewire-data');
  });

  it('reads BLE readers by address or name, the adapter, positions, tap modes, exhibitors and SUN settings', () => {
    const c = validateConfig(
      {
        tenants: ['acme'],
        zones: [{ id: 'hall' }],
        doors: [{ id: 'main', zone: 'hall' }],
        readers: [
          {
            id: 'c0ffee0000000001',
            door: 'main',
            position: { x: 0, y: 2.5 },
            tapModes: ['C', 'SUN'],
            transport: { type: 'ble', name: 'bw-door-1' },
          },
          {
            id: 'c0ffee0000000003',
            role: 'presence',
            zone: 'hall',
            transport: { type: 'ble-scan', companyId: 0xffff },
          },
          {
            id: 'c0ffee0000000002',
            role: 'lead',
            exhibitor: 'ex-42',
            position: { x: 120, y: -4 },
            transport: { type: 'ble', address: 'C0:FF:EE:00:00:02', addressType: 'public' },
          },
        ],
        enrolment: { acme: 'enrol.json' },
        sun: { acme: { suffix: 'F58401D2760000850101', tags: 'sun-tags.json' } },
        ble: { adapter: { uart: '/dev/ttyHCI', baudRate: 460800 }, reconnect: { minMs: 200, maxMs: 5000 } },
        relay: { maxSpeedMps: 4.5, horizonMs: 60_000 },
      },
      '/srv/bw',
    );
    expect(c.readers[0]).toMatchObject({
      position: { x: 0, y: 2.5 },
      tapModes: ['C', 'SUN'],
      transport: { type: 'ble', name: 'bw-door-1', addressType: 'random' },
    });
    expect(c.readers[1]?.transport).toEqual({
      type: 'ble-scan',
      companyId: 0xffff,
      watchdogMs: 30_000,
      dedupMs: 2000,
    });
    expect(c.readers[2]).toMatchObject({
      exhibitor: 'ex-42',
      position: { x: 120, y: -4 },
      transport: { type: 'ble', address: 'c0:ff:ee:00:00:02', addressType: 'public' },
    });
    expect(c.ble).toEqual({
      adapter: { uart: '/dev/ttyHCI', baudRate: 460800 },
      connectTimeoutMs: 10_000,
      reconnect: { minMs: 200, maxMs: 5000 },
    });
    expect(c.sun).toEqual({ acme: { suffix: 'f58401d2760000850101', tags: '/srv/bw/sun-tags.json' } });
    expect(c.relay).toEqual({ maxSpeedMps: 4.5, horizonMs: 60_000 });
  });

  it('explains every mistake in the BLE, position, tap mode, exhibitor, SUN and relay fields', () => {
    const bad = {
      tenants: ['acme', 'globex'],
      zones: [{ id: 'hall' }],
      doors: [{ id: 'main', zone: 'hall' }],
      readers: [
        {
          id: 'r1',
          door: 'main',
          exhibitor: 'ex',
          position: { x: '3', y: 1e9 },
          tapModes: ['C', 'C', 'X'],
          transport: { type: 'ble', address: 'c0:ff:ee:00:00:01', name: 'both' },
        },
        { id: 'r2', door: 'main', tapModes: [], transport: { type: 'ble', addressType: 'static' } },
        { id: 'r3', role: 'presence', tapModes: ['S'], transport: { type: 'ble', name: 'x'.repeat(40) } },
        {
          id: 'r4',
          tenant: 'globex',
          role: 'lead',
          tapModes: ['SUN'],
          transport: { type: 'serial', path: '/dev/a', name: 'n' },
        },
        { id: 'r5', role: 'presence', tapModes: ['C'], transport: { type: 'ble-scan' } },
        { id: 'r6', role: 'presence', transport: { type: 'ble-scan' } },
        { id: 'r7', role: 'presence', transport: { type: 'ble-scan', companyId: 70000 } },
      ],
      sun: { acme: { suffix: 'abc' }, nobody: { suffix: 'f58401' } },
      ble: {
        adapter: { hci: 1, uart: '/dev/x' },
        reconnect: { minMs: 5000, maxMs: 100 },
        connectTimeoutMs: 1,
      },
      relay: { maxSpeedMps: -1, horizonMs: 'soon' },
    };
    let err: BadgewireError | undefined;
    try {
      validateConfig(bad, '/srv/bw');
    } catch (e) {
      err = e as BadgewireError;
    }
    const issues = (err?.context.issues as string[]) ?? [];
    const expected: [string, RegExp][] = [
      ['readers[0].transport', /either address or name/],
      ['readers[0].position.x', /number/],
      ['readers[0].position.y', /number from -100000 to 100000/],
      ['readers[0].tapModes[1]', /listed twice/],
      ['readers[0].tapModes[2]', /"C" \(challenge\)/],
      ['readers[0].exhibitor', /only a lead reader/],
      ['readers[1].tapModes', /at least one mode/],
      ['readers[1].transport.addressType', /"public" or "random"/],
      ['readers[1].transport', /needs address or name/],
      ['readers[2].tapModes', /presence reader takes no taps/],
      ['readers[2].transport.name', /1-29 printable/],
      ['readers[3].tapModes', /SUN needs sun settings/],
      ['readers[3].transport.name', /not valid for a serial transport/],
      ['readers[6].transport.companyId', /integer from 0 to 65535/],
      ['readers[4].tapModes', /takes no taps/],
      ['readers[5].transport', /only one reader can be the bridge's own BLE scan/],
      ['sun.acme.suffix', /AID/],
      ['sun.acme.masterKeyId', /no enrolment file/],
      ['sun.nobody', /unknown field/],
      ['ble.adapter', /either hci or uart/],
      ['ble.reconnect.maxMs', /at least ble.reconnect.minMs/],
      ['ble.connectTimeoutMs', /integer from 500/],
      ['relay.maxSpeedMps', /number from 0.1/],
      ['relay.horizonMs', /integer from 1000/],
    ];
    for (const [path, re] of expected) {
      const hit = issues.find((i) => i.startsWith(`${path}: `));
      expect(hit, path).toBeDefined();
      expect(hit, path).toMatch(re);
    }
  });

  it('names the path of every mistake in one error', () => {
    const bad = {
      dataDir: 5,
      tenants: ['Acme'],
      zones: [{ id: 'z' }],
      doors: [{ id: 'd', zone: 'nowhere' }],
      readers: [
        { id: 'r1', door: 'd', transport: { type: 'serial', vid: '19', pid: 'zzzz' } },
        { id: 'r1', door: 'ghost', transport: { type: 'ble', address: 'not-an-address', path: '/dev/x' } },
        { id: 'r3', role: 'lead', tenant: 'other', transport: { type: 'usb' } },
        { id: 'r4', role: 'lead', transprot: {} },
      ],
      api: { listen: { host: '0.0.0.0', port: 70000 }, jwt: {}, clientsFile: 7 },
      mqtt: { url: 'mqtt://broker.example', password: 'hunter2hunter2' },
      backup: { retention: { hourly: -1 } },
      journal: { commitWindowMs: 5000 },
      log: { level: 'loud' },
      extra: true,
    };
    let err: unknown;
    try {
      validateConfig(bad, '/srv/bw');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadgewireError);
    const e = err as BadgewireError;
    expect(e.code).toBe('E_CONFIG_INVALID');
    const paths = (e.context.issues as string[]).map((i) => i.split(': ')[0]);
    for (const p of [
      'extra',
      'dataDir',
      'tenants[0]',
      'doors[0].zone',
      'readers[0].transport.vid',
      'readers[0].transport.pid',
      'readers[2].tenant',
      'readers[1].id',
      'readers[1].door',
      'readers[1].transport.path',
      'readers[1].transport.address',
      'readers[2].transport.type',
      'readers[3].transprot',
      'api.listen.port',
      'api.tls',
      'api.jwt',
      'api.clientsFile',
      'mqtt.url',
      'mqtt.password',
      'backup.retention.hourly',
      'journal.commitWindowMs',
      'log.level',
    ]) {
      expect(paths, p).toContain(p);
    }
    expect(e.message).toContain('readers[3].transprot: unknown field; did you mean "transport"?');
    expect(e.message).toContain('mqtt.password: inline secrets are not accepted');
    expect(e.message).not.toContain('hunter2');
  });

  it('reports JSON syntax errors with a position and unreadable files by code', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{\n  "dataDir": "x",\n  oops\n}');
    expect(() => loadConfig(file)).toThrow(/not valid JSON at line 3/);
    expect(() => loadConfig(join(dir, 'missing.json'))).toThrow(
      expect.objectContaining({ code: 'E_CONFIG_READ' }),
    );
  });
});
