import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fromHex } from '@badgewire/protocol';
import { base64url } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { startBridge } from '../src/bridge';
import { loadConfig } from '../src/config/index';
import { KeyStore } from '../src/keys/index';
import { createLogger } from '../src/log/index';
import { call } from './api-fixtures';
import { siteToken, writeSite } from './bridge-site';
import { linkPair, run, TestReader, VirtualClock } from './readers-world';

const dir = mkdtempSync(join(tmpdir(), 'bw-bridge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const secret = randomBytes(32);
const env = { BADGEWIRE_KEYSTORE_PASSPHRASE: 'bridge test passphrase', ACME_ADMIN: base64url.encode(secret) };

const SITE = { audience: 'https://bridge.test', secretEnv: 'ACME_ADMIN' };
const token = (scope: string) => siteToken(SITE, secret, scope);

describe('bridge composition root', () => {
  it('starts from a config file: key store, tenant journals, API over the journal, policy updates, backups', async () => {
    const cfgFile = writeSite(dir, {
      ...SITE,
      doors: ['door-1'],
      extra: { readers: [{ id: 'r1', door: 'door-1', transport: { type: 'serial', path: '/dev/ttyACM0' } }] },
    });
    const config = loadConfig(cfgFile);
    KeyStore.create(config.keyStore.path, { passphrase: env.BADGEWIRE_KEYSTORE_PASSPHRASE });
    const lines: string[] = [];
    const printed: string[] = [];
    const b = await startBridge(config, {
      env,
      log: createLogger({ sink: { write: (l) => lines.push(l) } }),
      print: (l) => printed.push(l),
    });
    try {
      expect(b.api).not.toBeNull();
      const h = {
        port: b.api!.port,
        ca: readFileSync(join(config.dataDir, 'tls', 'bridge-cert.pem'), 'utf8'),
      } as Parameters<typeof call>[0];
      const readers = await call(h, '/v1/readers', { token: await token('events:read') });
      expect(readers.status).toBe(200);
      expect(readers.text).toContain('"r1"');
      expect(readers.text).toContain('"offline"');

      await b.stores.get('acme').journal.append({
        id: 'r1:1',
        kind: 'tap',
        readerId: 'r1',
        at: Date.now(),
        data: { ref: 'att-0001' },
      });
      const j = await call(h, '/v1/journal?after=0&limit=10', { token: await token('events:read') });
      expect(j.status).toBe(200);
      expect(j.text).toContain('r1:1');

      const ref = 'att-ref-0042';
      expect(b.policies.get('acme')!.decide(ref, 'door-1', 'in', Math.floor(Date.now() / 1000)).allow).toBe(
        false,
      );
      const ent = await call(h, '/v1/entitlements', {
        method: 'POST',
        token: await token('admin'),
        body: {
          badgeRef: ref,
          doors: ['door-1'],
          validFrom: Date.now() - 60_000,
          validUntil: Date.now() + 3_600_000,
        },
      });
      expect(ent.status).toBeLessThan(300);
      expect(
        b.policies.get('acme')!.decide(ref, 'door-1', 'in', Math.floor(Date.now() / 1000)),
      ).toMatchObject({ allow: true, reason: 'granted' });
      await call(h, '/v1/revocations', {
        method: 'POST',
        token: await token('admin'),
        body: { badgeRef: ref, reason: 'lost' },
      });
      expect(b.policies.get('acme')!.decide(ref, 'door-1', 'out', Math.floor(Date.now() / 1000)).reason).toBe(
        'revoked',
      );

      const files = await b.backup();
      expect(files.map((f) => f.slice(config.backup.dir.length + 1).split('--')[0])).toEqual([
        'acme',
        'host',
        'keystore',
      ]);
      expect(readdirSync(config.backup.dir).some((f) => f.endsWith('.bwbak'))).toBe(true);
    } finally {
      await b.stop();
    }
    expect(printed[0]).toContain('SHA-256');
    const log = lines.join('');
    expect(log).toContain('bridge running');
    expect(log).toContain('bridge stopped');
    expect(log).not.toContain(env.ACME_ADMIN);
  });

  it('`badgewire bridge --config` stays up until SIGTERM, then closes the journals cleanly', async () => {
    const cfg = join(dir, 'cli.json');
    writeFileSync(cfg, JSON.stringify({ dataDir: 'cli-data', tenants: ['acme'] }));
    KeyStore.create(join(dir, 'cli-data', 'keys.sealed'), { passphrase: env.BADGEWIRE_KEYSTORE_PASSPHRASE });
    const script = join(dir, 'cli.mts');
    writeFileSync(
      script,
      `import { Command } from ${JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve('commander')).href)};
import { registerHostCommands } from ${JSON.stringify(join(__dirname, '../src/cli/index.ts'))};
const program = new Command('badgewire');
registerHostCommands(program);
await program.parseAsync(process.argv);
`,
    );
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', script, 'bridge', '--config', cfg],
      {
        env: { ...process.env, ...env },
      },
    );
    let out = '';
    let signalled = false;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (!signalled && out.includes('bridge running')) signalled = child.kill('SIGTERM');
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(err.replace(/npm warn.*\n/g, '')).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('bridge stopped');
    // A clean close checkpoints and removes the WAL.
    expect(readdirSync(join(dir, 'cli-data', 'tenants'))).toEqual(['acme.db']);
  });

  it('journals reader events from hub sessions whose keys come from the sealed key store', async () => {
    const id = 'b0a1c2d3e4f50607';
    const cfg = join(dir, 'hub.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        dataDir: 'hub-data',
        enrolment: { acme: 'enrol.json' },
        // Next-tick commits: the virtual-time runner yields with setImmediate, not wall-clock timers.
        journal: { commitWindowMs: 0 },
        tenants: ['acme'],
        zones: [{ id: 'hall' }],
        doors: [{ id: 'door-1', zone: 'hall' }],
        readers: [{ id, door: 'door-1', transport: { type: 'serial', path: join(dir, 'hub-no-tty') } }],
      }),
    );
    const config = loadConfig(cfg);
    const ks = KeyStore.create(config.keyStore.path, { passphrase: env.BADGEWIRE_KEYSTORE_PASSPHRASE });
    const mk = ks.createMasterKey('hub-test');
    writeFileSync(
      join(dir, 'enrol.json'),
      JSON.stringify({
        masterKeyId: mk.id,
        badges: [
          { ref: 'att-0001', serial: 'BW-000001' },
          { ref: 'att-0002', serial: 'BW-000002' },
        ],
      }),
    );
    const clock = new VirtualClock();
    const b = await startBridge(config, { env, clock, log: createLogger({ level: 'silent' }) });
    try {
      const key = b.hub.provision(id);
      expect(b.keys.readerKeys(id).map((k) => k.state)).toEqual(['issued']);
      const [hostEnd, readerEnd] = linkPair();
      const reader = new TestReader(readerEnd, clock, fromHex(id), key);
      b.hub.attach(hostEnd, 'serial');
      await run(clock, [hostEnd, readerEnd], [reader], 2000);
      expect(b.hub.state(id)).toBe('online');
      expect(b.keys.readerKeys(id).map((k) => k.state)).toEqual(['active']);
      const seqs = [reader.tap(1), reader.tap(2)];
      await run(clock, [hostEnd, readerEnd], [reader], 2000);
      // Garbage tap frames: the engine journals each tap and its refusal by error name, then sends a DECISION.
      const evs = b.stores.get('acme').journal.read(0, 20);
      expect(evs.map((e) => [e.id, e.kind])).toEqual(
        seqs.flatMap((q) => [
          [`${id}:${q}`, 'tap'],
          [`${id}:${q}:decision`, 'decision'],
        ]),
      );
      expect(evs[1]!.data).toMatchObject({ allow: false, reason: 'invalid-credential', door: 'door-1' });
      expect(reader.got.filter((d) => d.type === 18)).toHaveLength(2);
      expect(b.engine.resolverOf('acme')!.size).toBe(2);
    } finally {
      await b.stop();
    }
  });

  it('refuses to start on a locked key store and leaves nothing running', async () => {
    const config = loadConfig(join(dir, 'bridge.json'));
    await expect(
      startBridge(config, { env: { BADGEWIRE_KEYSTORE_PASSPHRASE: 'the wrong passphrase' } }),
    ).rejects.toMatchObject({
      code: 'E_KEYSTORE_AUTH',
    });
  });
});
