/**
 * The integrator API: HTTPS only (there is no plain-HTTP listener; a plaintext request to the TLS port
 * fails the handshake and the socket is dropped), every route but /healthz behind a verified JWT.
 * Logs carry the route template, status, error code, tenant and client issuer: never the token, the
 * query string, request bodies or badge references.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { type CertificatePair, HSTS_HEADER, secureServerOptions } from '../tls/policy';
import { ApiError } from './errors';
import type { Principal, TokenVerifier } from './jwt';
import { MetricsRegistry } from './metrics';
import type { ReaderRegistry } from './readers';
import { ROUTES, type RouteDeps, SCOPES } from './routes';
import { realTimers, type StreamOptions, type Timers } from './sse';
import type { ApiTenants } from './tenants';
import type { PolicySink } from './validate';

export interface ApiServerOptions {
  tls: CertificatePair;
  verify: TokenVerifier;
  tenants: ApiTenants;
  readers: ReaderRegistry;
  policy: PolicySink;
  log: Logger;
  now: () => number;
  timers?: Timers;
  metrics?: MetricsRegistry;
  stream?: Partial<StreamOptions & { maxPerTenant: number }>;
  /** Largest accepted request body (bytes); 64 KiB by default. */
  maxBodyBytes?: number;
}

export interface ApiServer {
  server: Server;
  metrics: MetricsRegistry;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

const BASE_HEADERS = {
  'strict-transport-security': HSTS_HEADER,
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

function sendJson(
  res: ServerResponse,
  status: number,
  json: unknown,
  extra: Record<string, string> = {},
): void {
  const body = JSON.stringify(json);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

function readBody(req: IncomingMessage, max: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new ApiError('body_too_large', `request body exceeds ${max} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new ApiError('bad_json', 'request body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}

export function createApiServer(o: ApiServerOptions): ApiServer {
  const metrics = o.metrics ?? new MetricsRegistry();
  const requests = metrics.counter('badgewire_api_requests_total', 'API requests by route and status');
  const authFailures = metrics.counter('badgewire_api_auth_failures_total', 'Refused tokens by error code');
  const deps: RouteDeps = {
    journal: (t) => o.tenants.journal(t),
    audit: (t) => o.tenants.audit(t),
    readers: o.readers,
    policy: o.policy,
    metrics,
    now: o.now,
    timers: o.timers ?? realTimers,
    openStreams: new Map(),
    stream: {
      idleMs: o.stream?.idleMs ?? 300_000,
      heartbeatMs: o.stream?.heartbeatMs ?? 15_000,
      maxBufferedBytes: o.stream?.maxBufferedBytes ?? 4 << 20,
      maxPerTenant: o.stream?.maxPerTenant ?? 32,
    },
  };
  const maxBody = o.maxBodyBytes ?? 64 * 1024;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = o.now();
    for (const [k, v] of Object.entries(BASE_HEADERS)) res.setHeader(k, v);
    const url = new URL(req.url ?? '/', 'https://bridge.invalid');
    let routeName = 'unmatched';
    let principal: Principal | undefined;
    let code: string | undefined;
    try {
      if (url.pathname === '/healthz') {
        routeName = '/healthz';
        if (req.method !== 'GET') throw new ApiError('method_not_allowed', 'use GET');
        sendJson(res, 200, { status: 'ok' });
        return;
      }
      const byPath = ROUTES.filter((r) => r.pattern.test(url.pathname));
      if (byPath.length === 0) throw new ApiError('not_found', 'no such endpoint');
      const route = byPath.find((r) => r.method === req.method);
      routeName = byPath[0]!.name;
      if (!route) throw new ApiError('method_not_allowed', `use ${byPath.map((r) => r.method).join(', ')}`);
      try {
        principal = await o.verify(req.headers.authorization);
      } catch (e) {
        if (e instanceof ApiError) authFailures.inc({ code: e.code });
        throw e;
      }
      if (!principal.scopes.has(route.scope) && !principal.scopes.has(SCOPES.admin)) {
        throw new ApiError('scope_forbidden', `this endpoint needs scope "${route.scope}"`);
      }
      const params = route.pattern.exec(url.pathname)!.slice(1);
      const result = await route.handler(
        { req, res, url, params, principal, body: () => readBody(req, maxBody) },
        deps,
      );
      if (result) sendJson(res, result.status ?? 200, result.json);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError('internal', 'internal error');
      code = err.code;
      if (err.code === 'internal')
        o.log.error({ route: routeName, err: (e as Error).name }, 'handler failed');
      if (!res.headersSent) {
        const extra: Record<string, string> =
          err.status === 401
            ? { 'www-authenticate': `Bearer error="invalid_token", error_description="${err.code}"` }
            : {};
        sendJson(res, err.status, { error: err.code, message: err.message }, extra);
      } else res.end();
    } finally {
      requests.inc({ route: routeName, status: String(res.statusCode) });
      o.log.info(
        {
          method: req.method,
          route: routeName,
          status: res.statusCode,
          ...(code ? { code } : {}),
          ...(principal ? { tenant: principal.tenant, client: principal.iss } : {}),
          ms: o.now() - started,
        },
        'api request',
      );
    }
  };

  const server = createServer(secureServerOptions(o.tls), (req, res) => void handle(req, res));
  // A plaintext or weak-TLS client never gets an HTTP response: the handshake fails and the socket is dropped.
  server.on('tlsClientError', (err, socket) => {
    metrics.counter('badgewire_api_tls_handshake_failures_total', 'Failed TLS handshakes').inc();
    o.log.warn({ reason: (err as NodeJS.ErrnoException).code ?? 'tls_error' }, 'tls handshake refused');
    socket.destroy();
  });
  // Both bound only the *receipt* of a request (slow-loris defence); a long event-stream response is not
  // affected, and idle streams are closed by the stream itself.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  return {
    server,
    metrics,
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
