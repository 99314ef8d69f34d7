/**
 * The journal contract shared by the bridge core, the API and outputs. The journal is the source of truth:
 * a reader is acked, and an event is streamed or published, only after its row is durable.
 *
 * Events carry opaque references only (attendee ref, reader id, door id): never names, emails or other PII,
 * and never key material. Payload fields that are sensitive (badge refs, raw frames) are encrypted at rest.
 */
export type EventKind = 'sighting' | 'tap' | 'decision' | 'lead' | 'presence' | 'alert' | 'reader';

export interface JournalEventInput {
  /** Stable id for exactly-once: `${readerId}:${readerSeq}` for reader events, derived ids otherwise. */
  id: string;
  kind: EventKind;
  readerId: string;
  /** Milliseconds since the epoch (host clock at acceptance). */
  at: number;
  /** Kind-specific fields; JSON-serialisable; no PII. */
  data: Record<string, unknown>;
}

export interface JournalEvent extends JournalEventInput {
  /** Monotonic, dense journal position (1, 2, ...): the resume token of the event stream. */
  pos: number;
}

export interface AppendResult {
  pos: number;
  /** false when an event with this id was already journalled (a retransmit): nothing new was written. */
  fresh: boolean;
}

export interface Journal {
  /**
   * Appends durably (group commit); resolves once the row survives a crash and a power loss (WAL,
   * synchronous=FULL). Idempotent on `id`. Rejects with a BadgewireError: E_JOURNAL_INPUT (malformed),
   * E_JOURNAL_PII (a personal field such as name/email/phone/serial/uid, or an e-mail/phone in a string),
   * E_JOURNAL_CLOSED, or E_JOURNAL_IO (transient: nothing of the batch was written; retry).
   */
  append(ev: JournalEventInput): Promise<AppendResult>;
  /** Events with pos > after, in order, at most `limit`. */
  read(after: number, limit: number, filter?: { kind?: EventKind; readerId?: string }): JournalEvent[];
  /** Subscribe to fresh events (never retransmits) as they become durable, in position order; returns an unsubscribe function. */
  subscribe(cb: (ev: JournalEvent) => void): () => void;
  lastPos(): number;
  close(): Promise<void>;
}
