/**
 * `badgewire bridge backup` / `restore` carry the bridge's own state, not only the journals: the API audit
 * trail (hash chain intact after restore), the operator's API clients file, the clients' last-use record and
 * the reader records. Driven through the CLI against a data dir a real bridge wrote; the archive is sealed
 * (no audit line or client issuer readable in it) and a tampered one is refused with a typed error.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { base64url } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { openAuditTrail } from '../src/api/audit';
import { startBridge } from '../src/bridge';
import { registerHostCommands } from '../src/cli/index';
import { loadConfig } from '../src/config/index';
import { KeyStore } from '../src/keys/index';
import { createLogger } from '../src/log/index';
import { SqliteReaderStore } from '../src/readers/reader-store';
import { call } from './api-fixtures';
import { apiOf, siteToken, writeSite } from './bridge-site';

const dir = mkdtempSync(join(tmpdir(), 'bw-host-backup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secret = randomBytes(32);
const env = { BADGEWIRE_KEYSTORE_PASSPHRASE: 'host backup passphrase', OPS_SECRET: base64url.encode(secret) };

async function bw(...args: string[]): Promise<{ out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('badgewire').exitOverride();
  registerHostCommands(program, { out: (l) => out.push(l), err: (l) => err.push(l), env, now: Date.now });
  await program.parseAsync(args, { from: 'user' });
  return { out, err };
}

const SITE = { audience: 'https://bridge.backup', issuer: 'ops-issuer-7c1', secretEnv: 'OPS_SECRET' };
const token = () => siteToken(SITE, secret);

describe('host state in backups', () => {
  it('backup snapshots the audit trail, API clients and reader records; restore brings them back', async () => {
    const file = writeSite(dir, {
      ...SITE,
      extra: {
        readers: [
          { id: 'c0ffee00000000c1', door: 'main', transport: { type: 'serial', path: join(dir, 'no-tty') } },
        ],
      },
    });
    const config = loadConfig(file);
    KeyStore.create(config.keyStore.path, { passphrase: env.BADGEWIRE_KEYSTORE_PASSPHRASE });
    const b = await startBridge(config, {
      env,
      log: createLogger({ level: 'silent' }),
      print: () => undefined,
    });
    try {
      const h = apiOf(b.api?.port, config.dataDir);
      for (const ref of ['att-bk-1', 'att-bk-2']) {
        const r = await call(h, '/v1/revocations', {
          method: 'POST',
          token: await token(),
          body: { badgeRef: ref, reason: 'lost' },
        });
        expect(r.status).toBe(201);
      }
    } finally {
      await b.stop();
    }
    const audit = join(config.dataDir, 'audit', 'acme.jsonl');
    const activity = join(config.dataDir, 'api-clients.json');
    const readersDb = join(config.dataDir, 'state', 'readers.db');
    const before = {
      audit: readFileSync(audit),
      activity: readFileSync(activity),
      clients: readFileSync(join(dir, 'clients.json')),
    };
    expect(before.audit.toString()).toContain('badge.revoke');
    expect(before.activity.toString()).toContain('ops-issuer-7c1');

    const wrote = (await bw('bridge', 'backup', '--config', file)).out;
    const hostFile = wrote.map((l) => l.replace(/^wrote /, '')).find((p) => p.endsWith('.bwhost'));
    expect(hostFile).toBeDefined();
    const sealed = readFileSync(hostFile as string);
    for (const plain of ['badge.revoke', 'ops-issuer-7c1', 'OPS_SECRET', 'c0ffee00000000c1'])
      expect(sealed.includes(Buffer.from(plain)), plain).toBe(false);

    // The operator loses the data dir's host files and the clients file.
    rmSync(join(config.dataDir, 'audit'), { recursive: true });
    rmSync(join(config.dataDir, 'state'), { recursive: true });
    rmSync(activity);
    rmSync(join(dir, 'clients.json'));

    const tampered = join(config.backup.dir, 'host--20000101T000000000Z.bwhost');
    const t = Buffer.from(sealed);
    t[t.length - 5] = (t[t.length - 5] as number) ^ 1;
    writeFileSync(tampered, t);
    const refused = await bw('bridge', 'restore', '--config', file, '--from', tampered).catch((e) => e);
    expect(JSON.stringify(refused)).toContain('E_BACKUP_AUTH');
    expect(existsSync(audit)).toBe(false);
    rmSync(tampered);

    const restored = await bw('bridge', 'restore', '--config', file, '--from', hostFile as string);
    expect(restored.out.join('\n')).toContain('audit/acme.jsonl');
    expect(readFileSync(audit)).toEqual(before.audit);
    expect(readFileSync(activity)).toEqual(before.activity);
    expect(readFileSync(join(dir, 'clients.json'))).toEqual(before.clients);
    const trail = openAuditTrail(audit, Date.now);
    expect(trail.verify()).toMatchObject({ ok: true, count: 2 });
    const store = new SqliteReaderStore(readersDb);
    try {
      expect(store.load('c0ffee00000000c1')).toMatchObject({ tenant: 'acme', doorId: 'main' });
    } finally {
      store.close();
    }
    expect(readdirSync(config.backup.dir).filter((n) => n.endsWith('.bwhost'))).toHaveLength(1);
  }, 30_000);
});
