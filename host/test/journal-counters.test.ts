/**
 * Tap counters ride in the journal's group commit: a tap's counter and its rows commit (or roll back) in one
 * transaction, the advanced counter answers replay checks before that commit, a failed commit keeps it for
 * the next one, and closing commits it. Rows are checked through a second, independent SQLite connection.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TenantStores } from '../src/journal/index';

const key = new Uint8Array(randomBytes(32));
let dir: string;
let stores: TenantStores;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bw-journal-ctr-'));
  stores = new TenantStores({ dataDir: dir, keys: { journalKey: () => key } });
});
afterEach(async () => {
  await stores.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

/** Counter rows as another process would see them on disk. */
function countersOnDisk(path: string): number[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT ctr FROM tap_counters ORDER BY ctr').pluck().all() as number[]).slice();
  } finally {
    db.close();
  }
}

const tapRow = (seq: number) => ({
  id: `r1:${seq}`,
  kind: 'tap' as const,
  readerId: 'r1',
  at: 1_700_000_000_000 + seq,
  data: { ref: `att-${seq}` },
});

describe('tap counters in the journal group commit', () => {
  it('commits a counter with the tap rows in one transaction, and refuses a replay before that commit', async () => {
    const s = stores.get('acme');
    const commits = s.journal.stats.commits;
    expect(s.replay.advanceCounter('badge-a', 7, 1)).toBe(true);
    // Not yet on disk, but already the counter every check sees: the same counter cannot win twice.
    expect(countersOnDisk(s.path)).toEqual([]);
    expect(s.replay.lastCounter('badge-a')).toBe(7);
    expect(s.replay.advanceCounter('badge-a', 7, 2)).toBe(false);
    expect(s.replay.advanceCounter('badge-a', 6, 2)).toBe(false);
    await s.journal.append(tapRow(1));
    expect(s.journal.stats.commits).toBe(commits + 1);
    expect(countersOnDisk(s.path)).toEqual([7]);
    expect(s.replay.advanceCounter('badge-a', 8, 3)).toBe(true);
    expect(s.replay.advanceCounter('badge-b', 1, 3)).toBe(true);
    await s.journal.append(tapRow(2));
    expect(countersOnDisk(s.path)).toEqual([1, 8]);
  });

  it('commits a counter within the window even when no row follows, and on close', async () => {
    const s = stores.get('acme');
    s.replay.advanceCounter('badge-a', 3, 1);
    for (let i = 0; i < 200 && countersOnDisk(s.path).length === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(countersOnDisk(s.path)).toEqual([3]);
    s.replay.advanceCounter('badge-a', 4, 2);
    const path = s.path;
    await stores.closeAll();
    expect(countersOnDisk(path)).toEqual([4]);
    stores = new TenantStores({ dataDir: dir, keys: { journalKey: () => key } });
    expect(stores.get('acme').replay.lastCounter('badge-a')).toBe(4);
  });

  it('rolls a counter back with a failed batch and writes it with the next commit', async () => {
    const s = stores.get('acme');
    s.db.exec(
      "CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.id = 'r1:1' BEGIN SELECT RAISE(ABORT, 'disk'); END",
    );
    expect(s.replay.advanceCounter('badge-a', 9, 1)).toBe(true);
    await expect(s.journal.append(tapRow(1))).rejects.toMatchObject({ code: 'E_JOURNAL_IO' });
    expect(countersOnDisk(s.path)).toEqual([]);
    expect(s.replay.lastCounter('badge-a')).toBe(9);
    s.db.exec('DROP TRIGGER boom');
    await s.journal.append(tapRow(1));
    expect(countersOnDisk(s.path)).toEqual([9]);
  });

  it('keys counter rows by a keyed hash, never the badge reference', async () => {
    const s = stores.get('acme');
    s.replay.advanceCounter('BADGE-SERIAL-0042', 1, 1);
    await s.journal.append(tapRow(1));
    const db = new Database(s.path, { readonly: true });
    const refs = db.prepare('SELECT badge_ref FROM tap_counters').pluck().all() as Buffer[];
    db.close();
    expect(refs).toHaveLength(1);
    expect(refs[0]?.length).toBe(16);
    expect(refs[0]?.toString('latin1').includes('BADGE')).toBe(false);
    expect(refs[0]).not.toEqual(createHash('sha256').update('BADGE-SERIAL-0042').digest().subarray(0, 16));
  });
});
