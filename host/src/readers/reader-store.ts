/**
 * Reader records that survive a bridge restart, in the bridge's own state database (`<dataDir>/state/
 * readers.db`, SQLite WAL): tenant, door, the REKEY generation and both sides' link-session positions. Keys
 * are not here (they stay in the sealed key store, which also decides the provisioning state), and nothing
 * here names a person: a reader id and a door id are venue hardware.
 *
 * Writes: `nextSeq` and `keyGen` are written through at once (a host that restarted with an older nextSeq
 * would reuse sequence numbers the reader has already seen); `recvDurable` moves on every acknowledged event,
 * so it is written behind (coalesced, at most `flushMs` late, and on close). A stale recvDurable is safe: the
 * reader resends from there and the journal refuses the duplicates by event id.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BadgewireError } from '../errors';
import type { ReaderRecord, ReaderStore } from './hub';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS readers (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  key_gen INTEGER NOT NULL,
  door INTEGER NOT NULL,
  door_id TEXT,
  recv_durable INTEGER NOT NULL,
  next_seq INTEGER NOT NULL
) WITHOUT ROWID;
`;

interface Row {
  id: string;
  tenant: string;
  key_gen: number;
  door: number;
  door_id: string | null;
  recv_durable: number;
  next_seq: number;
}

export class SqliteReaderStore implements ReaderStore {
  private readonly db: Database.Database;
  private readonly m = new Map<string, ReaderRecord>();
  /** What is on disk, to tell a write-through change from a write-behind one. */
  private readonly disk = new Map<string, ReaderRecord>();
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly put: Database.Statement;

  constructor(
    readonly path: string,
    private readonly flushMs = 200,
  ) {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(SCHEMA);
    } catch (e) {
      throw new BadgewireError(
        'E_STATE_IO',
        'cannot open the bridge state database; check the data dir',
        {},
        { cause: e },
      );
    }
    this.put = this.db.prepare(
      'INSERT INTO readers (id, tenant, key_gen, door, door_id, recv_durable, next_seq) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, key_gen = excluded.key_gen, door = excluded.door, ' +
        'door_id = excluded.door_id, recv_durable = excluded.recv_durable, next_seq = excluded.next_seq',
    );
    for (const r of this.db.prepare('SELECT * FROM readers').all() as Row[]) {
      const rec: ReaderRecord = {
        id: r.id,
        tenant: r.tenant,
        keyGen: r.key_gen,
        door: r.door === 1,
        recvDurable: r.recv_durable,
        nextSeq: r.next_seq,
      };
      if (r.door_id !== null) rec.doorId = r.door_id;
      this.m.set(r.id, rec);
      this.disk.set(r.id, { ...rec });
    }
  }

  load(id: string): ReaderRecord | undefined {
    return this.m.get(id);
  }

  all(): ReaderRecord[] {
    return [...this.m.values()];
  }

  save(r: ReaderRecord): void {
    this.m.set(r.id, r);
    // A session finishing after the bridge closed the store: nothing more is written (the reader resends).
    if (!this.db.open) return;
    const d = this.disk.get(r.id);
    const onlyDurable =
      d !== undefined &&
      d.tenant === r.tenant &&
      d.keyGen === r.keyGen &&
      d.door === r.door &&
      d.doorId === r.doorId &&
      d.nextSeq === r.nextSeq;
    if (!onlyDurable) {
      this.write(r);
      return;
    }
    this.dirty.add(r.id);
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
    this.timer.unref?.();
  }

  /** Writes every pending change now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const ids = [...this.dirty];
    this.dirty.clear();
    if (ids.length === 0 || !this.db.open) return;
    this.db.transaction(() => {
      for (const id of ids) {
        const r = this.m.get(id);
        if (r) this.write(r);
      }
    })();
  }

  close(): void {
    this.flush();
    if (this.db.open) this.db.close();
  }

  private write(r: ReaderRecord): void {
    this.dirty.delete(r.id);
    this.put.run(r.id, r.tenant, r.keyGen, r.door ? 1 : 0, r.doorId ?? null, r.recvDurable, r.nextSeq);
    this.disk.set(r.id, { ...r });
  }
}
