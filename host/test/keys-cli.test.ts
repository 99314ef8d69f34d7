import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { registerHostCommands } from '../src/cli/index';
import { TenantStores } from '../src/journal/index';
import { KeyStore, openBadgeExport } from '../src/keys/index';

const dir = mkdtempSync(join(tmpdir(), 'bw-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

const env = { BADGEWIRE_KEYSTORE_PASSPHRASE: 'cli test passphrase', STATION_PASS: 'station operator phrase' };
let t = Date.UTC(2026, 10, 23, 12, 0, 0);

async function bw(...args: string[]): Promise<{ out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('badgewire').exitOverride();
  registerHostCommands(program, { out: (l) => out.push(l), err: (l) => err.push(l), env, now: () => t });
  await program.parseAsync(args, { from: 'user' });
  return { out, err };
}

describe('badgewire keys', () => {
  const store = join(dir, 'keys.sealed');

  it('runs the key ceremony and never prints key bytes', async () => {
    expect((await bw('keys', 'init', '--store', store)).out[0]).toContain('created key store');
    const mk = (await bw('keys', 'create-master', '--store', store, '--label', 'expo-2026')).out[0]!;
    const mkId = /master key (mk-[0-9a-f]{8}) fingerprint [0-9a-f]{16}/.exec(mk)![1]!;
    const rkOut = join(dir, 'provision', 'door-1.key');
    const rk = (await bw('keys', 'create-reader', '--store', store, '--reader', 'door-1', '--out', rkOut))
      .out[0]!;
    const rkId = /reader key (rk-[0-9a-f]{8})/.exec(rk)![1]!;
    expect(statSync(rkOut).mode & 0o777).toBe(0o600);
    const readerKeyHex = readFileSync(rkOut, 'utf8').trim();
    expect(readerKeyHex).toMatch(/^[0-9a-f]{64}$/);

    const stationKey = join(dir, 'station-a.key');
    writeFileSync(stationKey, randomBytes(32));
    const exportFile = join(dir, 'out', 'station-a.bwkeys');
    const ex = await bw(
      'keys',
      'export-badges',
      '--store',
      store,
      '--master',
      mkId,
      '--station',
      'station-a',
      '--range',
      'BW-{000001..000020}',
      '--station-key',
      stationKey,
      '--out',
      exportFile,
    );
    expect(ex.out[0]).toBe(`exported keys of 20 badge(s) for station station-a to ${exportFile}`);
    const opened = openBadgeExport(
      new Uint8Array(readFileSync(exportFile)),
      { keyFileBytes: new Uint8Array(readFileSync(stationKey)) },
      'station-a',
    );
    expect(opened.badges.map((b) => b.serial)).toEqual(
      Array.from({ length: 20 }, (_, i) => `BW-${String(i + 1).padStart(6, '0')}`),
    );

    const serialsFile = join(dir, 'serials.txt');
    writeFileSync(serialsFile, '# batch 2\nBW-900001\nBW-900002\n\n');
    const ex2 = await bw(
      'keys',
      'export-badges',
      '--store',
      store,
      '--master',
      mkId,
      '--station',
      'station-b',
      '--serials',
      serialsFile,
      '--export-passphrase-env',
      'STATION_PASS',
      '--out',
      join(dir, 'out', 'b.bwkeys'),
    );
    expect(ex2.out[0]).toContain('exported keys of 2 badge(s)');

    await bw('keys', 'activate', '--store', store, rkId);
    const rot = await bw(
      'keys',
      'rotate',
      '--store',
      store,
      '--reader',
      'door-1',
      '--out',
      join(dir, 'provision', 'door-1.next.key'),
    );
    expect(rot.out[0]).toContain('old key rotating');
    await bw(
      'keys',
      'create-api',
      '--store',
      store,
      '--client',
      'crm-sync',
      '--out',
      join(dir, 'provision', 'crm.key'),
    );
    await bw('keys', 'revoke', '--store', store, mkId);

    const list = await bw('keys', 'list', '--store', store);
    const rows = list.out.map((l) => l.split('\t'));
    expect(rows.map((r) => [r[1], r[2], r[3]])).toEqual([
      ['master', 'expo-2026', 'revoked'],
      ['reader', 'door-1', 'rotating'],
      ['reader', 'door-1', 'issued'],
      ['api', 'crm-sync', 'active'],
    ]);
    const ks = KeyStore.open(store, { passphrase: env.BADGEWIRE_KEYSTORE_PASSPHRASE });
    const all = [readerKeyHex, ...ks.readerKeys('door-1').map((k) => Buffer.from(k.key).toString('hex'))];
    const printed = [...list.out, ...(await bw('keys', 'list', '--store', store, '--json')).out].join('\n');
    for (const hex of all) {
      expect(printed).not.toContain(hex);
      expect(printed).not.toContain(Buffer.from(hex, 'hex').toString('base64'));
    }
  });

  it('fails with one clean line and exit code 1, naming what to do', async () => {
    const r = await bw('keys', 'list', '--store', join(dir, 'nope.sealed'));
    expect(r.err).toEqual(['error: file not found; create it first or check the path [E_KEYSTORE_MISSING]']);
    expect(process.exitCode).toBe(1);
    process.exitCode = undefined;
    const r2 = await bw('keys', 'list', '--store', store, '--passphrase-env', 'UNSET_VAR');
    expect(r2.err[0]).toContain('set the passphrase in the environment variable UNSET_VAR');
    const r3 = await bw(
      'keys',
      'export-badges',
      '--store',
      store,
      '--master',
      'mk-x',
      '--station',
      's',
      '--range',
      'bad',
      '--station-key',
      store,
      '--out',
      join(dir, 'x'),
    );
    expect(r3.err[0]).toContain('give --serials FILE or --range');
  });
});

describe('badgewire bridge backup/restore', () => {
  it('backs up every tenant from the config and restores one', async () => {
    const cfgDir = join(dir, 'site');
    const config = join(dir, 'bridge.json');
    writeFileSync(
      config,
      JSON.stringify({
        dataDir: cfgDir,
        tenants: ['acme', 'globex'],
        backup: { retention: { hourly: 1, daily: 0, weekly: 0, monthly: 0 } },
      }),
    );
    await bw('keys', 'init', '--config', config);
    const ks = KeyStore.open(join(cfgDir, 'keys.sealed'), { passphrase: env.BADGEWIRE_KEYSTORE_PASSPHRASE });
    const stores = new TenantStores({ dataDir: cfgDir, keys: ks });
    await stores
      .get('acme')
      .journal.append({ id: 'r1:1', kind: 'tap', readerId: 'r1', at: 1, data: { ref: 'x' } });
    await stores.closeAll();

    const first = await bw('bridge', 'backup', '--config', config);
    expect(first.err).toEqual([]);
    // Two tenants, the bridge's own state (audit trails, API clients, reader records), the key store copy.
    expect(first.out.map((l) => /\/([a-z]+)--\d{8}T/.exec(l)?.[1])).toEqual([
      'acme',
      'globex',
      'host',
      'keystore',
    ]);
    t += 3_600_000;
    await bw('bridge', 'backup', '--config', config);
    // Retention (hourly: 1) applies to host state snapshots too.
    expect(readdirSync(join(cfgDir, 'backups')).filter((f) => f.endsWith('.bwhost'))).toEqual([
      'host--20261123T130000000Z.bwhost',
    ]);
    const files = readdirSync(join(cfgDir, 'backups'))
      .filter((f) => f.endsWith('.bwbak'))
      .sort();
    expect(files).toEqual(['acme--20261123T130000000Z.bwbak', 'globex--20261123T130000000Z.bwbak']);

    const stores2 = new TenantStores({
      dataDir: cfgDir,
      keys: KeyStore.open(join(cfgDir, 'keys.sealed'), { passphrase: env.BADGEWIRE_KEYSTORE_PASSPHRASE }),
    });
    await stores2.get('acme').journal.append({ id: 'r1:2', kind: 'tap', readerId: 'r1', at: 2, data: {} });
    await stores2.closeAll();
    const r = await bw(
      'bridge',
      'restore',
      '--config',
      config,
      '--tenant',
      'acme',
      '--from',
      join(cfgDir, 'backups', files[0]!),
    );
    expect(r.out[0]).toMatch(/^restored tenant acme to position 1 /);
    const stores3 = new TenantStores({
      dataDir: cfgDir,
      keys: KeyStore.open(join(cfgDir, 'keys.sealed'), { passphrase: env.BADGEWIRE_KEYSTORE_PASSPHRASE }),
    });
    expect(
      stores3
        .get('acme')
        .journal.read(0, 10)
        .map((e) => e.id),
    ).toEqual(['r1:1']);
    await stores3.closeAll();
  });
});
