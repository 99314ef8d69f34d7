import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BadgewireError, isTransient } from '../src/errors';
import type { JournalEvent, JournalEventInput } from '../src/journal/index';
import { TenantStores } from '../src/journal/index';

function keySource() {
  const keys = new Map<string, Uint8Array>();
  return {
    journalKey(t: string) {
      let k = keys.get(t);
      if (!k) keys.set(t, (k = new Uint8Array(randomBytes(32))));
      return k;
    },
  };
}

function ev(
  readerId: string,
  seq: number,
  data: Record<string, unknown> = { ref: `att-${seq}` },
): JournalEventInput {
  return { id: `${readerId}:${seq}`, kind: 'tap', readerId, at: 1_700_000_000_000 + seq, data };
}

let dir: string;
let stores: TenantStores;
const keys = keySource();
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bw-journal-'));
  stores = new TenantStores({ dataDir: dir, keys });
});
afterEach(async () => {
  await stores.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('journal append/read', () => {
  it('gives monotonic positions and reads back what was written', async () => {
    const j = stores.get('acme').journal;
    const rs = await Promise.all([1, 2, 3, 4, 5].map((i) => j.append(ev('r1', i))));
    expect(rs.map((r) => r.pos)).toEqual([1, 2, 3, 4, 5]);
    expect(rs.every((r) => r.fresh)).toBe(true);
    expect(j.lastPos()).toBe(5);
    const got = j.read(2, 10);
    expect(got.map((e) => e.id)).toEqual(['r1:3', 'r1:4', 'r1:5']);
    expect(got[0]!.data).toEqual({ ref: 'att-3' });
    expect(j.read(0, 2).map((e) => e.pos)).toEqual([1, 2]);
  });

  it('answers a retransmit with the original position and writes nothing new', async () => {
    const j = stores.get('acme').journal;
    const first = await j.append(ev('r1', 7));
    await j.append(ev('r2', 1));
    const again = await j.append(ev('r1', 7, { ref: 'changed' }));
    expect(again).toEqual({ pos: first.pos, fresh: false });
    // Same id twice inside one group-commit batch: one row, both callers get its position.
    const [a, b] = await Promise.all([j.append(ev('r3', 1)), j.append(ev('r3', 1))]);
    expect(a!.fresh).toBe(true);
    expect(b).toEqual({ pos: a!.pos, fresh: false });
    expect(j.read(0, 100).map((e) => e.id)).toEqual(['r1:7', 'r2:1', 'r3:1']);
    expect(j.read(0, 100)[0]!.data).toEqual({ ref: 'att-7' });
  });

  it('batches concurrent appends into few transactions (group commit)', async () => {
    const j = stores.get('acme').journal;
    const n = 2000;
    const rs = await Promise.all(Array.from({ length: n }, (_, i) => j.append(ev('r1', i))));
    expect(new Set(rs.map((r) => r.pos)).size).toBe(n);
    expect(j.stats.appended).toBe(n);
    expect(j.stats.commits).toBeLessThan(n / 50);
  });

  it('filters by kind and reader', async () => {
    const j = stores.get('acme').journal;
    await j.append(ev('r1', 1));
    await j.append({ id: 'r2:1', kind: 'sighting', readerId: 'r2', at: 1, data: {} });
    await j.append(ev('r2', 2));
    expect(j.read(0, 10, { kind: 'tap' }).map((e) => e.id)).toEqual(['r1:1', 'r2:2']);
    expect(j.read(0, 10, { readerId: 'r2' }).map((e) => e.id)).toEqual(['r2:1', 'r2:2']);
    expect(j.read(0, 10, { kind: 'tap', readerId: 'r2' }).map((e) => e.id)).toEqual(['r2:2']);
  });

  it('streams durable fresh events to subscribers, in order, once', async () => {
    const j = stores.get('acme').journal;
    const seen: JournalEvent[] = [];
    const off = j.subscribe((e) => seen.push(e));
    j.subscribe(() => {
      throw new Error('faulty subscriber');
    });
    await Promise.all([j.append(ev('r1', 1)), j.append(ev('r1', 2)), j.append(ev('r1', 1))]);
    expect(seen.map((e) => [e.pos, e.id])).toEqual([
      [1, 'r1:1'],
      [2, 'r1:2'],
    ]);
    off();
    await j.append(ev('r1', 3));
    expect(seen).toHaveLength(2);
  });

  it('rejects bad input with typed errors and keeps the batch going', async () => {
    const j = stores.get('acme').journal;
    const bad: [unknown, string][] = [
      [{ ...ev('r1', 1), kind: 'nope' }, 'E_JOURNAL_INPUT'],
      [{ ...ev('r1', 1), id: 'has space' }, 'E_JOURNAL_INPUT'],
      [{ ...ev('r1', 1), at: -1 }, 'E_JOURNAL_INPUT'],
      [{ ...ev('r1', 1), data: null }, 'E_JOURNAL_INPUT'],
      [ev('r1', 1, { email: 'x' }), 'E_JOURNAL_PII'],
      [ev('r1', 1, { nested: { name: 'Canary Person' } }), 'E_JOURNAL_PII'],
      [ev('r1', 1, { note: 'mail canary@example.com' }), 'E_JOURNAL_PII'],
      [ev('r1', 1, { big: 'x'.repeat(20_000) }), 'E_JOURNAL_INPUT'],
    ];
    const good = j.append(ev('r1', 2));
    for (const [input, code] of bad) {
      await expect(j.append(input as JournalEventInput)).rejects.toMatchObject({ code });
    }
    expect((await good).pos).toBe(1);
    expect(j.read(0, 10).map((e) => e.id)).toEqual(['r1:2']);
  });

  it('rejects the whole batch with a transient error when the commit fails, and writes none of it', async () => {
    const s = stores.get('acme');
    await s.journal.append(ev('r1', 1));
    s.db.exec(
      "CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.id = 'r1:3' BEGIN SELECT RAISE(ABORT, 'disk'); END",
    );
    const p = [s.journal.append(ev('r1', 2)), s.journal.append(ev('r1', 3))];
    const out = await Promise.allSettled(p);
    for (const o of out) {
      expect(o.status).toBe('rejected');
      const e = (o as PromiseRejectedResult).reason;
      expect(e).toBeInstanceOf(BadgewireError);
      expect(e.code).toBe('E_JOURNAL_IO');
      expect(isTransient(e)).toBe(true);
    }
    expect(s.journal.read(0, 10).map((e) => e.id)).toEqual(['r1:1']);
    s.db.exec('DROP TRIGGER boom');
    expect((await s.journal.append(ev('r1', 2))).pos).toBe(2);
  });

  it('refuses appends after close but commits what was queued', async () => {
    const s = stores.get('acme');
    const queued = s.journal.append(ev('r1', 1));
    await s.journal.close();
    expect((await queued).pos).toBe(1);
    await expect(s.journal.append(ev('r1', 2))).rejects.toMatchObject({ code: 'E_JOURNAL_CLOSED' });
  });
});

describe('journal at rest', () => {
  it('keeps payloads sealed on disk and detects tampering or moved rows', async () => {
    const s = stores.get('acme');
    await s.journal.append(ev('r1', 1, { ref: 'SECRET-REF-1', frame: 'f00dfeed' }));
    await s.journal.append(ev('r1', 2, { ref: 'SECRET-REF-2' }));
    const path = s.path;
    await s.close();
    const raw = new Database(path);
    const rows = raw.prepare('SELECT pos, data FROM events ORDER BY pos').all() as {
      pos: number;
      data: Buffer;
    }[];
    expect(rows[0]!.data.includes('SECRET-REF')).toBe(false);
    raw.prepare('UPDATE events SET data = ? WHERE pos = 2').run(rows[0]!.data);
    raw.close();
    for (const f of [path, `${path}-wal`]) {
      try {
        expect(readFileSync(f).includes('SECRET-REF')).toBe(false);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    const j = stores.get('acme').journal;
    expect(j.read(0, 1)[0]!.data).toEqual({ ref: 'SECRET-REF-1', frame: 'f00dfeed' });
    expect(() => j.read(1, 1)).toThrow(expect.objectContaining({ code: 'E_JOURNAL_CORRUPT' }));
  });

  it('persists positions across reopen and continues after the last one', async () => {
    let j = stores.get('acme').journal;
    await j.append(ev('r1', 1));
    await j.append(ev('r1', 2));
    await stores.closeAll();
    stores = new TenantStores({ dataDir: dir, keys });
    j = stores.get('acme').journal;
    expect(j.lastPos()).toBe(2);
    expect(await j.append(ev('r1', 2))).toEqual({ pos: 2, fresh: false });
    expect(await j.append(ev('r1', 3))).toEqual({ pos: 3, fresh: true });
  });

  it('loses no acknowledged event when the process is killed (SIGKILL right after acks)', () => {
    const script = join(dir, 'crash.ts');
    const keyHex = Buffer.from(keys.journalKey('crash')).toString('hex');
    writeFileSync(
      script,
      `import { appendFileSync } from 'node:fs';
import { TenantStores } from ${JSON.stringify(join(__dirname, '../src/journal/index.ts'))};
const key = Buffer.from(${JSON.stringify(keyHex)}, 'hex');
const s = new TenantStores({ dataDir: ${JSON.stringify(dir)}, keys: { journalKey: () => key } }).get('crash');
let acked = 0;
for (let i = 0; i < 3000; i++) {
  s.journal.append({ id: 'r9:' + i, kind: 'tap', readerId: 'r9', at: i, data: { i } }).then(() => {
    // A synchronous write reaches the kernel before the kill; stdout to a pipe would not.
    appendFileSync(${JSON.stringify(join(dir, 'acks'))}, i + '\\n');
    if (++acked === 1500) process.kill(process.pid, 'SIGKILL');
  });
}
`,
    );
    const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', script], {
      encoding: 'utf8',
    });
    expect(r.signal).toBe('SIGKILL');
    const acked = readFileSync(join(dir, 'acks'), 'utf8').split('\n').filter(Boolean).map(Number);
    expect(acked.length).toBeGreaterThanOrEqual(1500);
    const j = stores.get('crash').journal;
    const have = new Set(j.read(0, 10_000).map((e) => e.id));
    const lost = acked.filter((i) => !have.has(`r9:${i}`));
    expect(lost).toEqual([]);
  });
});

describe('tenant stores', () => {
  it('keeps one file per tenant and never lets one tenant read another', async () => {
    await stores.get('acme').journal.append(ev('r1', 1, { ref: 'a' }));
    await stores.get('globex').journal.append(ev('r1', 1, { ref: 'g' }));
    expect(stores.get('acme').path).not.toBe(stores.get('globex').path);
    expect(
      stores
        .get('globex')
        .journal.read(0, 10)
        .map((e) => e.data),
    ).toEqual([{ ref: 'g' }]);
    expect(stores.list()).toEqual(['acme', 'globex']);
  });

  it('rejects tenant ids that are not strictly safe names', () => {
    for (const bad of [
      '',
      '../acme',
      'acme/../globex',
      'Acme',
      'a'.repeat(33),
      '-x',
      'x-',
      'a.b',
      'a b',
      'a\0b',
    ]) {
      expect(() => stores.get(bad), bad).toThrow(expect.objectContaining({ code: 'E_TENANT_ID' }));
    }
  });

  it('refuses a file renamed to another tenant', async () => {
    const a = stores.get('acme');
    await a.journal.append(ev('r1', 1));
    const path = a.path;
    await a.close();
    renameSync(path, stores.pathOf('evil'));
    expect(() => stores.get('evil')).toThrow(expect.objectContaining({ code: 'E_TENANT_ID' }));
  });
});

describe('replay store', () => {
  it('accepts only strictly increasing tap counters, durably, without storing the badge reference', async () => {
    let r = stores.get('acme').replay;
    expect(r.lastCounter('BADGE-SERIAL-0042')).toBe(-1);
    expect(r.advanceCounter('BADGE-SERIAL-0042', 5, 1)).toBe(true);
    expect(r.advanceCounter('BADGE-SERIAL-0042', 5, 2)).toBe(false);
    expect(r.advanceCounter('BADGE-SERIAL-0042', 4, 3)).toBe(false);
    expect(r.advanceCounter('BADGE-SERIAL-0043', 1, 3)).toBe(true);
    expect(r.advanceCounter('BADGE-SERIAL-0042', 6, 4)).toBe(true);
    expect(() => r.advanceCounter('BADGE-SERIAL-0042', -1, 4)).toThrow(
      expect.objectContaining({ code: 'E_REPLAY_INPUT' }),
    );
    const path = stores.get('acme').path;
    await stores.closeAll();
    expect(readFileSync(path).includes('BADGE-SERIAL')).toBe(false);
    stores = new TenantStores({ dataDir: dir, keys });
    r = stores.get('acme').replay;
    expect(r.lastCounter('BADGE-SERIAL-0042')).toBe(6);
    expect(r.advanceCounter('BADGE-SERIAL-0042', 6, 5)).toBe(false);
  });

  it('lets each challenge be used once, only while fresh', () => {
    const r = stores.get('acme').replay;
    const c1 = new Uint8Array(randomBytes(8));
    const c2 = new Uint8Array(randomBytes(8));
    r.issueChallenge(c1, 1000);
    r.issueChallenge(c2, 1000);
    expect(r.consumeChallenge(c1, 5000, 10_000)).toBe(true);
    expect(r.consumeChallenge(c1, 5001, 10_000)).toBe(false);
    expect(r.consumeChallenge(c2, 20_001, 10_000)).toBe(false);
    expect(r.consumeChallenge(new Uint8Array(8), 5000, 10_000)).toBe(false);
    expect(r.pruneChallenges(2000)).toBe(2);
  });
});
