/**
 * The event stream as Server-Sent Events. Each event's SSE id is its journal position, so a client that
 * reconnects with Last-Event-ID (or ?after=) resumes exactly after the last event it saw. Live events are
 * buffered while the backlog is replayed, so none falls between replay and subscription.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventKind, Journal, JournalEvent } from '../journal/types';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface StreamOptions {
  /** Close a stream that delivered no event for this long (ms); heartbeats do not count. */
  idleMs: number;
  /** Comment line sent this often so proxies keep the connection (ms). */
  heartbeatMs: number;
  /** A consumer this far behind is disconnected; it resumes from its Last-Event-ID. */
  maxBufferedBytes: number;
}

export interface StreamRequest {
  journal: Journal;
  after: number;
  filter: { kind?: EventKind; readerId?: string };
  /** When the token expires (ms); the stream ends then, so a revoked client cannot listen forever. */
  untilMs: number;
  now: () => number;
  timers: Timers;
  onEvent?: () => void;
  onClose?: (why: 'idle' | 'token_expired' | 'slow_consumer' | 'client_gone') => void;
}

const PAGE = 500;

export function frame(ev: JournalEvent): string {
  return `id: ${ev.pos}\nevent: ${ev.kind}\ndata: ${JSON.stringify(ev)}\n\n`;
}

export function streamEvents(
  req: IncomingMessage,
  res: ServerResponse,
  s: StreamRequest,
  o: StreamOptions,
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  let last = s.after;
  let replaying = true;
  let closed = false;
  const pending: JournalEvent[] = [];
  let idle: unknown;
  let beat: unknown;
  let expiry: unknown;

  const close = (why: 'idle' | 'token_expired' | 'slow_consumer' | 'client_gone') => {
    if (closed) return;
    closed = true;
    unsubscribe();
    s.timers.clearTimeout(idle);
    s.timers.clearTimeout(beat);
    s.timers.clearTimeout(expiry);
    // a slow consumer's backlog is dropped, not flushed: it resumes from its Last-Event-ID
    if (why === 'slow_consumer') res.destroy();
    else if (why !== 'client_gone' && !res.destroyed) res.end(`: closing (${why})\n\n`);
    s.onClose?.(why);
  };
  const armIdle = () => {
    s.timers.clearTimeout(idle);
    idle = s.timers.setTimeout(() => close('idle'), o.idleMs);
  };
  const heartbeat = () => {
    if (closed) return;
    res.write(': ping\n\n');
    beat = s.timers.setTimeout(heartbeat, o.heartbeatMs);
  };
  const matches = (ev: JournalEvent) =>
    (s.filter.kind === undefined || ev.kind === s.filter.kind) &&
    (s.filter.readerId === undefined || ev.readerId === s.filter.readerId);
  const send = (ev: JournalEvent) => {
    if (closed || ev.pos <= last) return;
    last = ev.pos;
    if (!matches(ev)) return;
    res.write(frame(ev));
    s.onEvent?.();
    armIdle();
    if (res.writableLength > o.maxBufferedBytes) close('slow_consumer');
  };

  const unsubscribe = s.journal.subscribe((ev) => {
    if (replaying) pending.push(ev);
    else send(ev);
  });
  req.on('close', () => close('client_gone'));
  armIdle();
  beat = s.timers.setTimeout(heartbeat, o.heartbeatMs);
  expiry = s.timers.setTimeout(() => close('token_expired'), Math.max(0, s.untilMs - s.now()));

  // The journal filters by kind/reader itself; `last` still advances past skipped positions via the page end.
  for (;;) {
    const page = s.journal.read(last, PAGE, s.filter);
    // one TLS record per page instead of one per event
    res.cork();
    for (const ev of page) send(ev);
    res.uncork();
    if (page.length < PAGE || closed) break;
  }
  replaying = false;
  for (const ev of pending) send(ev);
  pending.length = 0;
}
