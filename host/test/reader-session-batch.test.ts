/**
 * ReaderSession with `groupCommit`: the events a reader delivers in one turn go up together, share one journal
 * transaction and are covered by one cumulative ACK; the ACK never covers a pending or failed write, and a
 * failed write rewinds so the reader's resend stores what was missing, each event exactly once. The reader is
 * the protocol's device session (readers-world), the host side the real hub and SQLite journal.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '@badgewire/protocol';
import { describe, expect, it } from 'vitest';
import { TenantStores } from '../src/journal/index';
import { KeyStore } from '../src/keys/index';
import { type HubEvent, MemoryReaderStore, ReaderHub } from '../src/readers/hub';
import { keyStoreKeyring } from '../src/readers/keyring';
import { linkPair, run, TestReader, VirtualClock } from './readers-world';

const keys = KeyStore.create(join(mkdtempSync(join(tmpdir(), 'bw-rs-batch-')), 'keys.sealed'), {
  passphrase: 'reader session batch test passphrase',
});
let n = 0;

/** `group`: the hub's groupCommit option (as the bridge sets it); 'unset' leaves the hub's default. */
function world(store: (ev: HubEvent) => Promise<void>, group: boolean | 'unset' = true) {
  const clock = new VirtualClock();
  const readers = new MemoryReaderStore();
  const id = `c0a1c2d3e4f506${(n++).toString(16).padStart(2, '0')}`;
  const hub = new ReaderHub({
    store: readers,
    keyring: keyStoreKeyring(keys),
    clock,
    onEvent: store,
    ...(group === 'unset' ? {} : { groupCommit: group }),
  });
  hub.register(id, 'acme');
  const key = hub.provision(id);
  const [hostEnd, readerEnd] = linkPair();
  const reader = new TestReader(readerEnd, clock, fromHex(id), key);
  const session = hub.attach(hostEnd, 'sim');
  const go = (ms: number) => run(clock, [hostEnd, readerEnd], [reader], ms);
  return { id, readers, reader, session, go };
}

describe('ReaderSession group commit', () => {
  it('is off unless the hub turns it on: by default one event is in flight at a time, in order', async () => {
    const held: { seq: number; done: () => void }[] = [];
    const w = world(
      (ev) =>
        new Promise<void>((res) => {
          held.push({ seq: ev.seq, done: res });
        }),
      'unset',
    );
    expect(w.session.groupCommit).toBe(false);
    await w.go(2000);
    for (let i = 1; i <= 3; i++) w.reader.tap(i);
    await w.go(200);
    expect(held.map((h) => h.seq)).toEqual([1]);
    held[0]?.done();
    await w.go(200);
    expect(held.map((h) => h.seq)).toEqual([1, 2]);
    held[1]?.done();
    await w.go(200);
    held[2]?.done();
    await w.go(200);
    expect(held.map((h) => h.seq)).toEqual([1, 2, 3]);
    expect(w.readers.load(w.id)?.recvDurable).toBe(3);
  });

  it('with the hub option on: hands a turn of events up together and acknowledges them with one ACK, only once all are stored', async () => {
    const held: { seq: number; done: () => void }[] = [];
    const w = world(
      (ev) =>
        new Promise<void>((res) => {
          held.push({ seq: ev.seq, done: res });
        }),
    );
    await w.go(2000);
    const ackedBefore = w.reader.s.acked;
    for (let i = 1; i <= 5; i++) w.reader.tap(i);
    await w.go(200);
    expect(held.map((h) => h.seq)).toEqual([1, 2, 3, 4, 5]); // all five in flight at once
    // Four of five stored: nothing is acknowledged while one write of the batch is pending.
    for (const h of held.slice(0, 4)) h.done();
    await w.go(200);
    expect(w.reader.s.q.length).toBe(5);
    expect(w.readers.load(w.id)?.recvDurable).toBe(0);
    held[4]?.done();
    await w.go(200);
    expect(w.reader.s.q.length).toBe(0);
    expect(w.reader.s.acked).toBe(ackedBefore + 5);
    expect(w.readers.load(w.id)?.recvDurable).toBe(5);
  });

  it('acknowledges the stored prefix of a failed batch; the resend stores the rest exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-rs-batch-j-'));
    // windowMs 0: the commit lands within the run's event-loop turns, not on a wall-clock timer.
    const stores = new TenantStores({
      dataDir: dir,
      keys: { journalKey: () => new Uint8Array(randomBytes(32)) },
      windowMs: 0,
    });
    const journal = stores.get('acme').journal;
    let failOnce = true;
    const calls: number[] = [];
    const w = world(async (ev) => {
      calls.push(ev.seq);
      if (ev.seq === 3 && failOnce) {
        failOnce = false;
        throw new Error('disk full');
      }
      await journal.append({ id: `${ev.readerId}:${ev.seq}`, kind: 'tap', readerId: 'r', at: 1, data: {} });
    });
    await w.go(2000);
    const commits = journal.stats.commits;
    for (let i = 1; i <= 6; i++) w.reader.tap(i);
    await w.go(8000);
    expect(calls.slice(0, 6)).toEqual([1, 2, 3, 4, 5, 6]); // one batch
    expect(calls.slice(6, 7)).toEqual([3]); // resent from the failed one on
    expect(journal.read(0, 100).map((e) => e.id.split(':')[1])).toEqual(['1', '2', '4', '5', '6', '3']);
    expect(journal.stats.appended).toBe(6); // 4..6 came again and were recognised, not stored twice
    expect(journal.stats.commits - commits).toBeLessThan(6);
    expect(w.reader.s.q.length).toBe(0);
    expect(w.readers.load(w.id)?.recvDurable).toBe(6);
    await stores.closeAll();
  });
});
