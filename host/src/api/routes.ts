/**
 * The API's endpoints. Each names the scope it needs; the tenant always comes from the verified token,
 * never from the URL, so one tenant has no way to address another's store.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventKind, Journal } from '../journal/types';
import type { AuditTrail } from './audit';
import { ApiError } from './errors';
import type { Principal } from './jwt';
import type { MetricsRegistry } from './metrics';
import type { ReaderRegistry } from './readers';
import { type StreamOptions, streamEvents, type Timers } from './sse';
import { type PolicySink, parseEntitlement, parseRevocation, pseudonym } from './validate';

export const SCOPES = { read: 'events:read', admin: 'admin', metrics: 'metrics' } as const;

export interface RouteDeps {
  journal(tenant: string): Journal;
  audit(tenant: string): AuditTrail;
  readers: ReaderRegistry;
  policy: PolicySink;
  metrics: MetricsRegistry;
  stream: StreamOptions & { maxPerTenant: number };
  now: () => number;
  timers: Timers;
  /** Streams open per tenant, for the per-tenant cap. */
  openStreams: Map<string, number>;
}

export interface RouteCtx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
  principal: Principal;
  body: () => Promise<unknown>;
}

/** A JSON result, or `undefined` when the handler wrote the response itself (the event stream). */
type Handler = (ctx: RouteCtx, deps: RouteDeps) => Promise<{ status?: number; json: unknown } | undefined>;

export interface Route {
  method: 'GET' | 'POST';
  /** Route template, used as the metrics/log label. */
  name: string;
  pattern: RegExp;
  scope: string;
  handler: Handler;
}

const KINDS: readonly EventKind[] = ['sighting', 'tap', 'decision', 'lead', 'presence', 'alert', 'reader'];
const READER_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

function intParam(url: URL, name: string, dflt: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = url.searchParams.get(name);
  if (v === null) return dflt;
  if (!/^\d{1,15}$/.test(v) || Number(v) > max)
    throw new ApiError('invalid_query', `${name} must be an integer <= ${max}`);
  return Number(v);
}

function filterParams(url: URL): { kind?: EventKind; readerId?: string } {
  const kind = url.searchParams.get('kind');
  const reader = url.searchParams.get('reader');
  if (kind !== null && !(KINDS as readonly string[]).includes(kind))
    throw new ApiError('invalid_query', 'unknown kind');
  if (reader !== null && !READER_RE.test(reader)) throw new ApiError('invalid_query', 'invalid reader id');
  return {
    ...(kind !== null ? { kind: kind as EventKind } : {}),
    ...(reader !== null ? { readerId: reader } : {}),
  };
}

const readers: Handler = async ({ principal }, d) => ({
  json: { readers: d.readers.list(principal.tenant) },
});

const reader: Handler = async ({ principal, params }, d) => {
  const r = d.readers.get(principal.tenant, params[0]!);
  if (!r) throw new ApiError('not_found', 'no such reader');
  return { json: r };
};

const journalQuery: Handler = async ({ principal, url }, d) => {
  const after = intParam(url, 'after', 0);
  const before = url.searchParams.has('before') ? intParam(url, 'before', 0) : undefined;
  const limit = intParam(url, 'limit', 100, 1000);
  if (limit === 0) throw new ApiError('invalid_query', 'limit must be at least 1');
  const page = d.journal(principal.tenant).read(after, limit, filterParams(url));
  const events = before === undefined ? page : page.filter((e) => e.pos < before);
  const more = page.length === limit && events.length === page.length;
  return { json: { events, next: more ? events[events.length - 1]!.pos : null } };
};

const events: Handler = async ({ req, res, url, principal }, d) => {
  const header = req.headers['last-event-id'];
  if (typeof header === 'string' && !/^\d{1,15}$/.test(header)) {
    throw new ApiError('invalid_query', 'Last-Event-ID must be a journal position');
  }
  // Last-Event-ID (set by a reconnecting EventSource) wins over ?after=
  const after = typeof header === 'string' ? Number(header) : intParam(url, 'after', 0);
  const filter = filterParams(url);
  const open = d.openStreams.get(principal.tenant) ?? 0;
  if (open >= d.stream.maxPerTenant)
    throw new ApiError('too_many_streams', 'too many open streams for this tenant');
  d.openStreams.set(principal.tenant, open + 1);
  const gauge = d.metrics.gauge('badgewire_api_streams_open', 'Event streams currently open');
  const sent = d.metrics.counter('badgewire_api_stream_events_total', 'Events written to event streams');
  const closes = d.metrics.counter('badgewire_api_stream_closed_total', 'Event streams closed, by reason');
  gauge.inc();
  streamEvents(
    req,
    res,
    {
      journal: d.journal(principal.tenant),
      after,
      filter,
      untilMs: principal.expMs,
      now: d.now,
      timers: d.timers,
      onEvent: () => sent.inc(),
      onClose: (why) => {
        gauge.dec();
        closes.inc({ reason: why });
        d.openStreams.set(principal.tenant, (d.openStreams.get(principal.tenant) ?? 1) - 1);
      },
    },
    d.stream,
  );
  return undefined;
};

const entitlement: Handler = async ({ principal, body }, d) => {
  const e = parseEntitlement(await body());
  const entry = d.audit(principal.tenant).append({
    actor: { iss: principal.iss, sub: principal.sub },
    action: 'entitlement.set',
    target: pseudonym(principal.tenant, e.badgeRef),
    detail: { doors: e.doors, validFrom: e.validFrom, validUntil: e.validUntil },
  });
  await d.policy.entitlement(principal.tenant, e);
  return { status: 201, json: { recorded: true, auditSeq: entry.seq } };
};

const revocation: Handler = async ({ principal, body }, d) => {
  const r = parseRevocation(await body(), d.now());
  const entry = d.audit(principal.tenant).append({
    actor: { iss: principal.iss, sub: principal.sub },
    action: 'badge.revoke',
    target: pseudonym(principal.tenant, r.badgeRef),
    detail: { reason: r.reason, effectiveAt: r.effectiveAt },
  });
  await d.policy.revocation(principal.tenant, r);
  return { status: 201, json: { recorded: true, auditSeq: entry.seq } };
};

const auditList: Handler = async ({ principal, url }, d) => {
  const entries = d
    .audit(principal.tenant)
    .list(intParam(url, 'after', 0), intParam(url, 'limit', 100, 1000));
  return { json: { entries } };
};

const auditHead: Handler = async ({ principal }, d) => ({ json: d.audit(principal.tenant).head() });

const auditVerify: Handler = async ({ principal, url }, d) => {
  const seq = url.searchParams.get('seq');
  const hash = url.searchParams.get('hash');
  const anchor = seq !== null && hash !== null ? { seq: intParam(url, 'seq', 0), hash } : undefined;
  return { json: d.audit(principal.tenant).verify(anchor) };
};

const metrics: Handler = async ({ res }, d) => {
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  res.end(d.metrics.render());
  return undefined;
};

export const ROUTES: Route[] = [
  { method: 'GET', name: '/metrics', pattern: /^\/metrics$/, scope: SCOPES.metrics, handler: metrics },
  { method: 'GET', name: '/v1/readers', pattern: /^\/v1\/readers$/, scope: SCOPES.read, handler: readers },
  {
    method: 'GET',
    name: '/v1/readers/:id',
    pattern: /^\/v1\/readers\/([A-Za-z0-9_.:-]{1,64})$/,
    scope: SCOPES.read,
    handler: reader,
  },
  {
    method: 'GET',
    name: '/v1/journal',
    pattern: /^\/v1\/journal$/,
    scope: SCOPES.read,
    handler: journalQuery,
  },
  { method: 'GET', name: '/v1/events', pattern: /^\/v1\/events$/, scope: SCOPES.read, handler: events },
  {
    method: 'POST',
    name: '/v1/entitlements',
    pattern: /^\/v1\/entitlements$/,
    scope: SCOPES.admin,
    handler: entitlement,
  },
  {
    method: 'POST',
    name: '/v1/revocations',
    pattern: /^\/v1\/revocations$/,
    scope: SCOPES.admin,
    handler: revocation,
  },
  { method: 'GET', name: '/v1/audit', pattern: /^\/v1\/audit$/, scope: SCOPES.admin, handler: auditList },
  {
    method: 'GET',
    name: '/v1/audit/head',
    pattern: /^\/v1\/audit\/head$/,
    scope: SCOPES.admin,
    handler: auditHead,
  },
  {
    method: 'GET',
    name: '/v1/audit/verify',
    pattern: /^\/v1\/audit\/verify$/,
    scope: SCOPES.admin,
    handler: auditVerify,
  },
];
