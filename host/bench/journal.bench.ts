/**
 * Journal append throughput with durability on (WAL + synchronous=FULL: every commit fsyncs), group commit
 * against the naive baseline of one transaction (and one fsync) per append, in the same run, same disk.
 * Events are typical taps with a sealed payload. Appends are kept `inflight` deep, as a hub with many
 * readers would; each append still resolves only after its batch is durable.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report } from '../../protocol/bench/report';
import { TenantStores } from '../src/journal/index';
import type { JournalEventInput } from '../src/journal/types';

const dir = mkdtempSync(join(tmpdir(), 'bw-journal-bench-'));
const key = new Uint8Array(randomBytes(32));
let seq = 0;

function tap(reader: string): JournalEventInput {
  seq++;
  return {
    id: `${reader}:${seq}`,
    kind: 'tap',
    readerId: reader,
    at: 1_800_000_000_000 + seq,
    data: { ref: `a${seq % 5000}`, frame: '0c'.repeat(33), decision: 'grant', door: 'door-1' },
  };
}

interface Rate {
  wall: number;
  /** Appends per second of this process's CPU time: what the run costs on a machine shared with others. */
  cpu: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Group commit: keep `inflight` appends outstanding for `ms`, count resolved appends. */
async function grouped(ms: number, inflight: number): Promise<Rate> {
  const stores = new TenantStores({ dataDir: join(dir, `g${inflight}`), keys: { journalKey: () => key } });
  const j = stores.get('bench').journal;
  let done = 0;
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const end = t0 + ms;
  async function lane(r: number): Promise<void> {
    while (performance.now() < end) {
      await j.append(tap(`r${r}`));
      done++;
    }
  }
  await Promise.all(Array.from({ length: inflight }, (_, r) => lane(r)));
  const rate = { wall: done / ((performance.now() - t0) / 1000), cpu: done / (cpuSeconds() - c0) };
  await stores.closeAll();
  return rate;
}

/** Naive: one durable transaction per append (prepared statement, same sealing), strictly one at a time. */
function naive(ms: number): Rate {
  const stores = new TenantStores({ dataDir: join(dir, 'naive'), keys: { journalKey: () => key } });
  const s = stores.get('bench');
  const ins = s.db.prepare('INSERT INTO events (id, kind, reader_id, at, data) VALUES (?, ?, ?, ?, ?)');
  let done = 0;
  const c0 = cpuSeconds();
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const ev = tap('n');
    const blob = randomBytes(12 + JSON.stringify(ev.data).length + 16);
    s.db.transaction(() => ins.run(ev.id, ev.kind, ev.readerId, ev.at, blob)).immediate();
    done++;
  }
  const rate = { wall: done / ((performance.now() - t0) / 1000), cpu: done / (cpuSeconds() - c0) };
  void stores.closeAll();
  return rate;
}

/** Naive through the public API: await each append before the next (a single reader, no batching possible). */
async function serialAppends(ms: number): Promise<number> {
  const stores = new TenantStores({
    dataDir: join(dir, 'serial'),
    keys: { journalKey: () => key },
    windowMs: 0,
  });
  const j = stores.get('bench').journal;
  let done = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await j.append(tap('s'));
    done++;
  }
  const rate = done / ((performance.now() - t0) / 1000);
  await stores.closeAll();
  return rate;
}

try {
  await grouped(300, 256); // warm-up: JIT, page cache
  const base = naive(2000);
  const serial = await serialAppends(2000);
  const g64 = await grouped(2000, 64);
  const g1024 = await grouped(2000, 1024);
  const baseline = { name: 'naive: 1 txn + fsync per append', value: base.wall };
  const cpuBase = { name: 'naive, per CPU-second', value: base.cpu };
  report('host journal: durable appends (WAL, synchronous=FULL)', [
    {
      name: 'group commit, 1024 in flight',
      value: g1024.wall,
      unit: 'appends/s',
      baseline,
      target: '>= 20000',
    },
    { name: 'group commit, 64 in flight', value: g64.wall, unit: 'appends/s', baseline },
    { name: 'one awaited append at a time (public API)', value: serial, unit: 'appends/s', baseline },
    {
      name: 'group commit, 1024 in flight, per CPU-second',
      value: g1024.cpu,
      unit: 'appends/CPU-s',
      baseline: cpuBase,
      target: '>= 20000',
    },
  ]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
