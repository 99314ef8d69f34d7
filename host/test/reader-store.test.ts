/**
 * SqliteReaderStore on its own: a new record and nextSeq/keyGen changes are on disk at once (a second
 * connection sees them without a flush), recvDurable is written behind and reaches disk on flush or close,
 * the disk holds exactly the last saved record, and a save after close changes memory only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReaderRecord } from '../src/readers/index';
import { SqliteReaderStore } from '../src/readers/reader-store';

const dir = mkdtempSync(join(tmpdir(), 'bw-reader-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const onDisk = (path: string, id: string) => {
  const s = new SqliteReaderStore(path);
  try {
    return s.load(id);
  } finally {
    s.close();
  }
};

describe('SqliteReaderStore', () => {
  it('writes sequence and key changes through, session positions behind, and keeps them across reopen', () => {
    const path = join(dir, 'state', 'readers.db');
    const store = new SqliteReaderStore(path, 60_000);
    const r: ReaderRecord = {
      id: 'c0ffee0000000001',
      tenant: 'acme',
      keyGen: 0,
      door: true,
      doorId: 'main',
      recvDurable: 0,
      nextSeq: 1,
    };
    store.save(r);
    expect(onDisk(path, r.id)).toEqual(r);
    r.recvDurable = 5;
    store.save(r);
    expect(onDisk(path, r.id)?.recvDurable).toBe(0); // behind: not yet
    r.nextSeq = 3;
    store.save(r); // a nextSeq change writes the whole record through
    expect(onDisk(path, r.id)).toMatchObject({ recvDurable: 5, nextSeq: 3 });
    r.recvDurable = 9;
    store.save(r);
    store.flush();
    expect(onDisk(path, r.id)?.recvDurable).toBe(9);
    r.recvDurable = 12;
    r.keyGen = 1;
    delete r.doorId;
    r.door = false;
    store.save(r);
    store.close();
    r.recvDurable = 99;
    store.save(r); // after close: memory only, no throw
    expect(onDisk(path, r.id)).toEqual({
      id: r.id,
      tenant: 'acme',
      keyGen: 1,
      door: false,
      recvDurable: 12,
      nextSeq: 3,
    });
  });

  it('stores exactly what the hub last saved (a reset session position is not overridden)', () => {
    const path = join(dir, 'reset.db');
    const a = new SqliteReaderStore(path);
    a.save({ id: 'c0ffee0000000002', tenant: 't', keyGen: 0, door: false, recvDurable: 40, nextSeq: 2 });
    a.close();
    const b = new SqliteReaderStore(path);
    const r = b.load('c0ffee0000000002') as ReaderRecord;
    expect(r.recvDurable).toBe(40);
    b.save({ ...r, recvDurable: 0, nextSeq: 1 });
    b.close();
    expect(onDisk(path, 'c0ffee0000000002')).toMatchObject({ recvDurable: 0, nextSeq: 1 });
  });
});
