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
    expect(c.readers[2]!.transport).toEqual({ type: 'ble', address: 'c0:ff:ee:00:00:01' });
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
    expect(c.dataDir).toBe('/srv/bw/badgewire-data');
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
