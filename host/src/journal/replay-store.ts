/**
 * Durable replay state for NFC taps (wire §9.2 mode C): per-badge strictly increasing tap counters and
 * single-use host challenges. Without a journal each call is one small IMMEDIATE transaction, durable (WAL +
 * synchronous=FULL) before it returns. With the tenant's journal (`TenantStores` wires it), a counter write
 * rides in the journal's next group commit instead, together with the tap's own rows: every tap is acted on
 * (decision sent, reader acknowledged) only after its rows commit, and the counter commits or rolls back in
 * that same transaction, so a power cut can re-open a counter only for a tap that was never acted on. Until
 * then the advanced counter is held here and answers `lastCounter`/`advanceCounter`; a failed commit keeps it
 * for the next one. This saves one fsync per tap.
 *
 * Badges are identified by whatever stable reference the resolver holds (a serial, an index); that reference is
 * a stable badge id, i.e. personal data, so it never reaches disk: rows are keyed by HMAC-SHA256 under a key
 * derived from the tenant's journal data key, truncated to 16 bytes.
 *
 * The resolver (protocol/src/resolver) owns the check logic; `counterStore()` adapts this to its `CounterStore`
 * port (a synchronous, durable write-through before the tap is accepted). The challenge ledger here is an
 * optional durable record of used challenges; the resolver's ChallengeIssuer keeps live ones in memory and
 * fails closed after a restart, which this ledger does not change.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import type { CounterStore } from '@badgewire/protocol';
import { BadgewireError } from '../errors';
import type { Db } from './db';
import type { SqliteJournal } from './journal';

export interface ReplayStore {
  /** Stores `ctr` as the badge's last tap counter if strictly greater than the stored one; false = replay. */
  advanceCounter(badge: string | Uint8Array, ctr: number, at: number): boolean;
  /** The stored counter, or -1 when the badge has never tapped. */
  lastCounter(badge: string | Uint8Array): number;
  /** Records a freshly issued single-use challenge (8 bytes). */
  issueChallenge(chal: Uint8Array, at: number): void;
  /** Marks the challenge used. False when unknown, already used, or issued more than `maxAgeMs` before `now`. */
  consumeChallenge(chal: Uint8Array, now: number, maxAgeMs: number): boolean;
  /** Deletes challenges issued before `before`; returns how many. */
  pruneChallenges(before: number): number;
}

const MAX_CACHED_REFS = 1 << 20;

export class SqliteReplayStore implements ReplayStore {
  private readonly refKey: Buffer;
  private readonly getCtr;
  private readonly putCtr;
  private readonly addChal;
  private readonly useChal;
  private readonly prune;
  /** Counters advanced and not yet committed, by hex of the keyed badge reference. */
  private readonly pending = new Map<string, { ref: Buffer; ctr: number; at: number }>();
  /**
   * With a journal this store is the table's only writer, so the committed counters are read once (the resolver
   * loads every enrolled badge at start) and kept here instead of one SELECT per lookup. Keyed like `pending`.
   */
  private readonly committed = new Map<string, number>();
  /** Keyed references of string badge refs seen so far (bounded: cleared when full). */
  private readonly refs = new Map<string, Buffer>();

  constructor(
    private readonly db: Db,
    dataKey: Uint8Array,
    private readonly journal?: SqliteJournal,
  ) {
    this.refKey = Buffer.from(hkdfSync('sha256', dataKey, new Uint8Array(0), 'bw-replay-badge-ref-v1', 32));
    this.getCtr = db.prepare('SELECT ctr FROM tap_counters WHERE badge_ref = ?').pluck();
    this.putCtr = db.prepare(
      'INSERT INTO tap_counters (badge_ref, ctr, at) VALUES (?, ?, ?) ON CONFLICT (badge_ref) DO UPDATE SET ctr = excluded.ctr, at = excluded.at WHERE excluded.ctr > tap_counters.ctr',
    );
    this.addChal = db.prepare('INSERT OR IGNORE INTO challenges (chal, issued_at) VALUES (?, ?)');
    this.useChal = db.prepare(
      'UPDATE challenges SET used_at = ? WHERE chal = ? AND used_at IS NULL AND issued_at >= ? AND issued_at <= ?',
    );
    this.prune = db.prepare('DELETE FROM challenges WHERE issued_at < ?');
    if (journal) {
      const rows = db.prepare('SELECT badge_ref, ctr FROM tap_counters').raw().all() as [Buffer, number][];
      for (const [ref, ctr] of rows) this.committed.set(ref.toString('hex'), ctr);
      journal.coCommit({
        write: () => {
          for (const p of this.pending.values()) this.putCtr.run(p.ref, p.ctr, p.at);
        },
        done: () => {
          for (const [k, p] of this.pending) this.committed.set(k, p.ctr);
          this.pending.clear();
        },
      });
    }
  }

  private ref(badge: string | Uint8Array): Buffer {
    if (
      (typeof badge === 'string' && badge.length === 0) ||
      (typeof badge !== 'string' && badge.length === 0)
    )
      throw new BadgewireError('E_REPLAY_INPUT', 'badge reference is empty', {});
    if (typeof badge !== 'string') return this.hmac(badge);
    // A badge taps many times: its keyed reference is computed once (memory only, like the resolver's refs).
    let r = this.refs.get(badge);
    if (r === undefined) {
      if (this.refs.size >= MAX_CACHED_REFS) this.refs.clear();
      r = this.hmac(badge);
      this.refs.set(badge, r);
    }
    return r;
  }

  private hmac(badge: string | Uint8Array): Buffer {
    return createHmac('sha256', this.refKey).update(badge).digest().subarray(0, 16);
  }

  advanceCounter(badge: string | Uint8Array, ctr: number, at: number): boolean {
    if (!Number.isSafeInteger(ctr) || ctr < 0 || ctr > 0xffffffff)
      throw new BadgewireError('E_REPLAY_INPUT', 'tap counter must be a 32-bit unsigned integer', {});
    const ref = this.ref(badge);
    if (this.journal) {
      // Check and set happen in one synchronous call: two taps with the same counter cannot both win.
      const key = ref.toString('hex');
      if (ctr <= this.counterOf(key, ref)) return false;
      this.pending.set(key, { ref, ctr, at });
      this.journal.wake();
      return true;
    }
    // The conditional upsert is atomic: two taps racing with the same counter cannot both win.
    const info = this.db.transaction(() => this.putCtr.run(ref, ctr, at)).immediate();
    return info.changes === 1;
  }

  lastCounter(badge: string | Uint8Array): number {
    const ref = this.ref(badge);
    return this.counterOf(ref.toString('hex'), ref);
  }

  private counterOf(key: string, ref: Buffer): number {
    const p = this.pending.get(key);
    if (p) return p.ctr;
    if (this.journal) return this.committed.get(key) ?? -1;
    const v = this.getCtr.get(ref) as number | undefined;
    return v ?? -1;
  }

  issueChallenge(chal: Uint8Array, at: number): void {
    if (chal.length !== 8) throw new BadgewireError('E_REPLAY_INPUT', 'challenge must be 8 bytes', {});
    this.addChal.run(Buffer.from(chal), at);
  }

  consumeChallenge(chal: Uint8Array, now: number, maxAgeMs: number): boolean {
    if (chal.length !== 8) return false;
    const info = this.useChal.run(now, Buffer.from(chal), now - maxAgeMs, now);
    return info.changes === 1;
  }

  pruneChallenges(before: number): number {
    return this.prune.run(before).changes;
  }

  /** The resolver's `CounterStore` port over this table; `now` stamps rows (metadata only). */
  counterStore(now: () => number = Date.now): CounterStore {
    return {
      load: (ref) => this.lastCounter(ref),
      save: (ref, ctr) => {
        if (!this.advanceCounter(ref, ctr, now()))
          throw new BadgewireError(
            'E_REPLAY_INPUT',
            'tap counter did not increase; the resolver must not save it',
            {},
          );
      },
    };
  }
}
