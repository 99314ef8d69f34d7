/**
 * What persisting reader records costs per acknowledged event. The hub saves a reader's record on every durable
 * ACK (recvDurable moves); SqliteReaderStore writes that change behind (coalesced, at most 200 ms late) and
 * only nextSeq/keyGen changes through at once. Baseline, same run, same disk: writing every save through
 * (one durable SQLite statement per ACK). Wall and CPU rates, since the machine is shared.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report } from '../../protocol/bench/report';
import type { ReaderRecord } from '../src/readers/index';
import { SqliteReaderStore } from '../src/readers/reader-store';

const dir = mkdtempSync(join(tmpdir(), 'bw-reader-store-bench-'));
const READERS = 32;

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function records(): ReaderRecord[] {
  return Array.from({ length: READERS }, (_, i) => ({
    id: (0xc0ffee0000000000n + BigInt(i)).toString(16),
    tenant: 'acme',
    keyGen: 0,
    door: true,
    doorId: 'main',
    recvDurable: 0,
    nextSeq: 1,
  }));
}

/** ACKs/s over `ms`: each ACK advances one reader's recvDurable and saves the record. */
function run(store: SqliteReaderStore, everySave: boolean, ms: number): { wall: number; cpu: number } {
  const rs = records();
  for (const r of rs) store.save({ ...r });
  let n = 0;
  const c0 = cpuSeconds();
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const r = rs[n % READERS] as ReaderRecord;
    r.recvDurable++;
    store.save(r);
    if (everySave) store.flush();
    n++;
  }
  store.flush();
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - c0;
  return { wall: n / wall, cpu: n / cpu };
}

const behind = new SqliteReaderStore(join(dir, 'behind.db'));
const through = new SqliteReaderStore(join(dir, 'through.db'));
try {
  run(behind, false, 200); // warm-up
  const b = run(behind, false, 1500);
  const t = run(through, true, 1500);
  report('Reader records (bridge state db, WAL, synchronous=FULL)', [
    {
      name: 'durable ACKs recorded/s, write-behind',
      value: b.wall,
      unit: 'ACK/s wall',
      baseline: { name: 'write-through', value: t.wall },
    },
    {
      name: 'durable ACKs recorded per CPU-second, write-behind',
      value: b.cpu,
      unit: 'ACK/CPU-s',
      baseline: { name: 'write-through', value: t.cpu },
    },
  ]);
} finally {
  behind.close();
  through.close();
  rmSync(dir, { recursive: true, force: true });
}
