import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  backupKeyStore,
  isoWeek,
  listSnapshots,
  planRetention,
  pruneSnapshots,
  restoreTenant,
  snapshotTenant,
} from '../src/backup/index';
import { TenantStores } from '../src/journal/index';
import { KeyStore } from '../src/keys/index';

const PASS = { passphrase: 'backup test passphrase' };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bw-backup-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('snapshots', () => {
  it('survive losing the data dir: restore from snapshot + key store copy gives the same events', async () => {
    const data = join(dir, 'data');
    const backups = join(dir, 'backups');
    const ksPath = join(dir, 'keys.sealed');
    const ks = KeyStore.create(ksPath, PASS);
    const stores = new TenantStores({ dataDir: data, keys: ks });
    const j = stores.get('acme').journal;
    for (let i = 1; i <= 50; i++)
      await j.append({ id: `r1:${i}`, kind: 'tap', readerId: 'r1', at: i, data: { ref: `a${i}` } });
    let t = Date.UTC(2026, 10, 23, 10, 0, 0);
    const snap = await snapshotTenant(stores.get('acme'), backups, ks.backupKey(), () => t);
    // Appends after the snapshot are not in it; the snapshot is consistent at its own position.
    await j.append({ id: 'r1:51', kind: 'tap', readerId: 'r1', at: 51, data: {} });
    expect(snap.header).toMatchObject({ tenant: 'acme', lastPos: 50, createdAt: t });
    const ksCopy = backupKeyStore(ksPath, backups, () => t);
    expect(readdirSync(backups).sort()).toEqual([
      'acme--20261123T100000000Z.bwbak',
      'keystore--20261123T100000000Z.sealed',
    ]);
    const want = j.read(0, 50);
    await stores.closeAll();

    rmSync(data, { recursive: true });
    rmSync(ksPath);
    const ks2 = KeyStore.open(ksCopy, PASS);
    const stores2 = new TenantStores({ dataDir: data, keys: ks2 });
    const header = restoreTenant(stores2, 'acme', new Uint8Array(readFileSync(snap.path)), ks2.backupKey());
    expect(header.lastPos).toBe(50);
    const j2 = stores2.get('acme').journal;
    expect(j2.read(0, 100)).toEqual(want);
    expect((await j2.append({ id: 'r1:51', kind: 'tap', readerId: 'r1', at: 51, data: {} })).pos).toBe(51);
    await stores2.closeAll();
    t++;
  });

  it('refuses altered snapshots, wrong keys, other tenants and an open store', async () => {
    const ks = KeyStore.create(join(dir, 'k'), PASS);
    const stores = new TenantStores({ dataDir: join(dir, 'data'), keys: ks });
    await stores.get('acme').journal.append({ id: 'r:1', kind: 'tap', readerId: 'r', at: 1, data: {} });
    const { path } = await snapshotTenant(stores.get('acme'), join(dir, 'b'), ks.backupKey());
    const file = new Uint8Array(readFileSync(path));
    expect(() => restoreTenant(stores, 'acme', file, ks.backupKey())).toThrow(
      expect.objectContaining({ code: 'E_BACKUP_IO' }),
    );
    await stores.closeAll();
    expect(() => restoreTenant(stores, 'globex', file, ks.backupKey())).toThrow(
      expect.objectContaining({ code: 'E_BACKUP_FORMAT' }),
    );
    expect(() => restoreTenant(stores, 'acme', file, new Uint8Array(randomBytes(32)))).toThrow(
      expect.objectContaining({ code: 'E_BACKUP_AUTH' }),
    );
    const flipped = file.slice();
    flipped[flipped.length - 40]! ^= 1;
    expect(() => restoreTenant(stores, 'acme', flipped, ks.backupKey())).toThrow(
      expect.objectContaining({ code: 'E_BACKUP_AUTH' }),
    );
    const relabelled = Buffer.from(file).toString('latin1').replace('"lastPos":1', '"lastPos":9');
    expect(() =>
      restoreTenant(stores, 'acme', new Uint8Array(Buffer.from(relabelled, 'latin1')), ks.backupKey()),
    ).toThrow(expect.objectContaining({ code: 'E_BACKUP_AUTH' }));
    expect(() => restoreTenant(stores, 'acme', new Uint8Array(10), ks.backupKey())).toThrow(
      expect.objectContaining({ code: 'E_BACKUP_FORMAT' }),
    );
    expect(readdirSync(join(dir, 'data', 'tenants')).filter((n) => n.includes('restore'))).toEqual([]);
  });
});

describe('retention (grandfather-father-son)', () => {
  const at = (s: string) => Date.parse(s);

  it('computes ISO weeks at year boundaries', () => {
    // From the ISO 8601 calendar: 2021-01-03 is in 2020-W53, 2024-12-30 in 2025-W01, 2023-01-01 in 2022-W52.
    expect(isoWeek(at('2021-01-03T12:00:00Z'))).toBe('2020-W53');
    expect(isoWeek(at('2024-12-30T00:00:00Z'))).toBe('2025-W01');
    expect(isoWeek(at('2023-01-01T23:59:59Z'))).toBe('2022-W52');
    expect(isoWeek(at('2026-11-23T00:00:00Z'))).toBe('2026-W48');
  });

  it('keeps the newest per hour/day/week/month bucket up to each count', () => {
    const snaps = [
      ['a', '2026-11-23T10:30:00Z'],
      ['b', '2026-11-23T10:05:00Z'],
      ['c', '2026-11-23T09:00:00Z'],
      ['d', '2026-11-22T23:00:00Z'],
      ['e', '2026-11-22T08:00:00Z'],
      ['f', '2026-11-20T12:00:00Z'],
      ['g', '2026-10-31T12:00:00Z'],
      ['h', '2026-10-01T12:00:00Z'],
      ['i', '2026-09-15T12:00:00Z'],
    ].map(([name, t]) => ({ name: name!, at: at(t!) }));
    const plan = planRetention(snaps, { hourly: 2, daily: 2, weekly: 1, monthly: 2 });
    expect([...plan.keep.keys()].sort()).toEqual(['a', 'c', 'd', 'g']);
    expect(plan.keep.get('a')).toEqual(['latest', 'hourly', 'daily', 'weekly', 'monthly']);
    expect(plan.keep.get('g')).toEqual(['monthly']);
    expect(plan.drop.sort()).toEqual(['b', 'e', 'f', 'h', 'i']);
    expect(planRetention(snaps, { hourly: 0, daily: 0, weekly: 0, monthly: 0 }).drop).toHaveLength(8);
  });

  it('prunes snapshot files in the backup dir by injected time, per tenant', async () => {
    const ks = KeyStore.create(join(dir, 'k'), PASS);
    const stores = new TenantStores({ dataDir: join(dir, 'data'), keys: ks });
    const b = join(dir, 'b');
    let t = at('2026-11-01T00:00:00Z');
    for (let h = 0; h < 30; h++) {
      await snapshotTenant(stores.get('acme'), b, ks.backupKey(), () => t);
      t += 3_600_000;
    }
    await snapshotTenant(stores.get('globex'), b, ks.backupKey(), () => t);
    writeFileSync(join(b, 'unrelated.txt'), 'x');
    const dropped = pruneSnapshots(b, 'acme', { hourly: 5, daily: 1, weekly: 0, monthly: 0 });
    expect(dropped).toHaveLength(25);
    const left = listSnapshots(b, 'acme').map((s) => new Date(s.at).toISOString());
    expect(left).toEqual([
      '2026-11-02T01:00:00.000Z',
      '2026-11-02T02:00:00.000Z',
      '2026-11-02T03:00:00.000Z',
      '2026-11-02T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
    ]);
    expect(listSnapshots(b, 'globex')).toHaveLength(1);
    expect(readdirSync(b)).toContain('unrelated.txt');
    await stores.closeAll();
  });
});
