/**
 * The SQLite journal (contract in ./types). Appends queue for a short window and commit together in one
 * IMMEDIATE transaction (group commit); each `append` resolves only after that commit, which with WAL +
 * synchronous=FULL (./db) means the row is on stable storage. The event id is UNIQUE: a retransmit finds the
 * original row and gets its position back with `fresh: false`, so a reader that resends after a lost ack
 * never creates a second event. The `data` payload (badge refs, raw frames) is sealed with AES-256-GCM under
 * the tenant's journal data key; kind, reader id and time stay clear because the stream filters on them.
 */

import type { Statement } from 'better-sqlite3';
import { BadgewireError } from '../errors';
import { open, seal, utf8 } from '../keys/aead';
import type { Logger } from '../log/index';
import { hasPiiText, isPiiField } from '../log/redact';
import type { Db } from './db';
import type { AppendResult, EventKind, Journal, JournalEvent, JournalEventInput } from './types';

const KINDS: ReadonlySet<string> = new Set<EventKind>([
  'sighting',
  'tap',
  'decision',
  'lead',
  'presence',
  'alert',
  'reader',
]);
const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_DATA = 16 * 1024;

export interface JournalOptions {
  /** Tenant id: bound into every row's AAD so rows cannot be moved between tenants or rows. */
  tenant: string;
  /** The tenant's 32-byte journal data key (from the key store). */
  dataKey: Uint8Array;
  /** How long the first queued append waits for company before the batch commits (ms). 0 = next tick. */
  windowMs?: number;
  /** A batch this large commits at once without waiting for the window. */
  maxBatch?: number;
  logger?: Logger;
}

/** Writes that ride in the journal's next transaction (the tap counters): they commit or roll back with it. */
export interface CoCommit {
  /** Runs inside the transaction; throwing rolls the whole batch back. */
  write(): void;
  /** The transaction committed. */
  done(): void;
}

interface Pending {
  ev: Omit<JournalEventInput, 'data'>;
  /** The payload as journalled; subscribers get a fresh parse, so a caller mutating its object changes nothing. */
  json: string;
  blob: Uint8Array;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

function aad(tenant: string, ev: { id: string; kind: string; readerId: string; at: number }): Uint8Array {
  return utf8(`bw-journal-v1|${tenant}|${ev.id}|${ev.kind}|${ev.readerId}|${ev.at}`);
}

/** Why `ev` cannot be journalled, or null. Rejects personal fields: the host writes no PII, even sealed. */
function validate(ev: JournalEventInput): BadgewireError | null {
  const bad = (what: string) => new BadgewireError('E_JOURNAL_INPUT', `journal event rejected: ${what}`, {});
  if (typeof ev !== 'object' || ev === null) return bad('not an object');
  if (typeof ev.id !== 'string' || !ID.test(ev.id)) return bad('id must match [A-Za-z0-9._:-]{1,128}');
  if (!KINDS.has(ev.kind)) return bad('unknown kind');
  if (typeof ev.readerId !== 'string' || !ID.test(ev.readerId))
    return bad('readerId must match [A-Za-z0-9._:-]{1,128}');
  if (!Number.isSafeInteger(ev.at) || ev.at < 0)
    return bad('at must be a non-negative integer (ms since epoch)');
  if (typeof ev.data !== 'object' || ev.data === null || Array.isArray(ev.data))
    return bad('data must be an object');
  const pii = findPii(ev.data, 0);
  if (pii)
    return new BadgewireError('E_JOURNAL_PII', 'journal event carries personal data; send opaque refs only', {
      field: pii,
    });
  return null;
}

/** Field-name verdicts: rows reuse a handful of names, each tested against the PII pattern once. */
const piiName = new Map<string, boolean>();

function piiField(k: string): boolean {
  let v = piiName.get(k);
  if (v === undefined) {
    v = isPiiField(k);
    if (piiName.size < 4096) piiName.set(k, v);
  }
  return v;
}

function findPii(v: unknown, depth: number): string | null {
  if (depth > 8) return '(too deep)';
  if (typeof v === 'string') return hasPiiText(v) ? '(string value)' : null;
  if (typeof v !== 'object' || v === null) return null;
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    if (piiField(k)) return k;
    const x = (v as Record<string, unknown>)[k];
    const inner = findPii(x, depth + 1);
    if (inner) return inner;
  }
  return null;
}

export class SqliteJournal implements Journal {
  private readonly db: Db;
  private readonly tenant: string;
  private readonly key: Uint8Array;
  private readonly windowMs: number;
  private readonly maxBatch: number;
  private readonly log: Logger | undefined;
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private closed = false;
  /** Commit counters, for metrics and for tests that check batching really happens. */
  readonly stats = { commits: 0, appended: 0, retransmits: 0 };
  private last: number;
  private readonly subs = new Set<(ev: JournalEvent) => void>();
  /** Prepared read statements, one per filter shape (at most four). */
  private readonly reads = new Map<string, Statement<unknown[]>>();
  private readonly byId;
  private readonly insert;
  private readonly co: CoCommit[] = [];
  /** A co-committed write is waiting: the next flush commits even with no appends queued. */
  private coDue = false;

  constructor(db: Db, opts: JournalOptions) {
    if (opts.dataKey.length !== 32) throw new TypeError('journal data key must be 32 bytes');
    this.db = db;
    this.tenant = opts.tenant;
    this.key = opts.dataKey;
    this.windowMs = opts.windowMs ?? 2;
    this.maxBatch = opts.maxBatch ?? 4096;
    this.log = opts.logger;
    this.byId = db.prepare('SELECT pos FROM events WHERE id = ?').pluck();
    this.insert = db.prepare(
      'INSERT INTO events (id, kind, reader_id, at, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
    );
    this.last = (db.prepare('SELECT max(pos) FROM events').pluck().get() as number | null) ?? 0;
  }

  append(ev: JournalEventInput): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new BadgewireError('E_JOURNAL_CLOSED', 'journal is closed', {}));
    const problem = validate(ev);
    if (problem) return Promise.reject(problem);
    let json: string;
    try {
      json = JSON.stringify(ev.data);
    } catch {
      return Promise.reject(
        new BadgewireError('E_JOURNAL_INPUT', 'journal event data is not JSON-serialisable', {}),
      );
    }
    if (json.length > MAX_DATA)
      return Promise.reject(new BadgewireError('E_JOURNAL_INPUT', 'journal event data over 16 KiB', {}));
    const head = { id: ev.id, kind: ev.kind, readerId: ev.readerId, at: ev.at };
    const blob = seal(this.key, utf8(json), aad(this.tenant, head));
    return new Promise((resolve, reject) => {
      this.queue.push({ ev: head, json, blob, resolve, reject });
      this.schedule();
    });
  }

  /** Adds writes to every transaction of this journal (see CoCommit). */
  coCommit(w: CoCommit): void {
    this.co.push(w);
  }

  /** A co-committed write is pending: commit it within the usual window even if no append comes. */
  wake(): void {
    this.coDue = true;
    if (!this.closed) this.schedule();
  }

  private schedule(): void {
    if (this.queue.length >= this.maxBatch) {
      this.flush();
      return;
    }
    if (this.timer) return;
    this.timer =
      this.windowMs > 0 ? setTimeout(() => this.flush(), this.windowMs) : setImmediate(() => this.flush());
  }

  private flush(): void {
    if (this.timer) {
      if (this.windowMs > 0) clearTimeout(this.timer as NodeJS.Timeout);
      else clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
    const batch = this.queue;
    if (batch.length === 0 && !this.coDue) return;
    this.queue = [];
    this.coDue = false;
    let results: AppendResult[];
    try {
      results = this.commit(batch);
    } catch (e) {
      // The transaction rolled back: nothing in this batch was written, so every caller may retry safely.
      const err = new BadgewireError(
        'E_JOURNAL_IO',
        'journal commit failed; retry the append',
        { batch: batch.length },
        { cause: e },
      );
      this.log?.error({ err }, 'journal commit failed');
      for (const p of batch) p.reject(err);
      // Co-committed writes stay pending: they go with the next commit (or the one close() makes).
      this.coDue = this.co.length > 0;
      return;
    }
    for (const w of this.co) w.done();
    this.stats.commits++;
    const fresh: JournalEvent[] = [];
    batch.forEach((p, i) => {
      const r = results[i]!;
      if (!r.fresh) this.stats.retransmits++;
      else {
        this.stats.appended++;
        this.last = r.pos;
        if (this.subs.size > 0)
          fresh.push({ ...p.ev, data: JSON.parse(p.json) as Record<string, unknown>, pos: r.pos });
      }
      p.resolve(r);
    });
    for (const ev of fresh) this.publish(ev);
  }

  private commit(batch: Pending[]): AppendResult[] {
    const run = this.db.transaction((items: Pending[]) => {
      for (const w of this.co) w.write();
      const out: AppendResult[] = [];
      for (const p of items) {
        // Insert first: a fresh event (the common case) costs one statement; only a retransmit needs the lookup.
        const info = this.insert.run(p.ev.id, p.ev.kind, p.ev.readerId, p.ev.at, p.blob);
        if (info.changes === 1) out.push({ pos: Number(info.lastInsertRowid), fresh: true });
        else out.push({ pos: this.byId.get(p.ev.id) as number, fresh: false });
      }
      return out;
    });
    return run.immediate(batch);
  }

  private publish(ev: JournalEvent): void {
    for (const cb of this.subs) {
      try {
        cb(ev);
      } catch (err) {
        // A faulty subscriber must not stop the others or the journal; the event itself is already durable.
        this.log?.error({ err, pos: ev.pos }, 'journal subscriber threw');
      }
    }
  }

  read(after: number, limit: number, filter?: { kind?: EventKind; readerId?: string }): JournalEvent[] {
    const where = ['pos > ?'];
    const args: (string | number)[] = [Number.isFinite(after) ? Math.max(0, Math.floor(after)) : 0];
    if (filter?.kind !== undefined) {
      where.push('kind = ?');
      args.push(filter.kind);
    }
    if (filter?.readerId !== undefined) {
      where.push('reader_id = ?');
      args.push(filter.readerId);
    }
    args.push(Number.isFinite(limit) ? Math.max(0, Math.min(10_000, Math.floor(limit))) : 0);
    const sql = `SELECT pos, id, kind, reader_id, at, data FROM events WHERE ${where.join(' AND ')} ORDER BY pos LIMIT ?`;
    let stmt = this.reads.get(sql);
    if (!stmt) this.reads.set(sql, (stmt = this.db.prepare(sql)));
    const rows = stmt.all(...args) as {
      pos: number;
      id: string;
      kind: EventKind;
      reader_id: string;
      at: number;
      data: Uint8Array;
    }[];
    return rows.map((r) => {
      const head = { id: r.id, kind: r.kind, readerId: r.reader_id, at: r.at };
      const plain = open(this.key, r.data, aad(this.tenant, head));
      if (!plain) {
        throw new BadgewireError(
          'E_JOURNAL_CORRUPT',
          'journal row failed authentication (tampered or wrong key)',
          {
            pos: r.pos,
          },
        );
      }
      return {
        ...head,
        pos: r.pos,
        data: JSON.parse(new TextDecoder().decode(plain)) as Record<string, unknown>,
      };
    });
  }

  subscribe(cb: (ev: JournalEvent) => void): () => void {
    this.subs.add(cb);
    return () => {
      this.subs.delete(cb);
    };
  }

  lastPos(): number {
    return this.last;
  }

  /** Commits what is queued, then refuses further appends. The database handle belongs to the tenant store. */
  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    this.subs.clear();
  }
}
