/** Shared set-up for the API tests: a real HTTPS server over real per-tenant SQLite journals. */
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { type ApiClient, memoryActivityStore } from '../src/api/clients';
import { createTokenVerifier } from '../src/api/jwt';
import type { ReaderInfo, ReaderRegistry } from '../src/api/readers';
import { type ApiServer, createApiServer } from '../src/api/server';
import { createApiTenants } from '../src/api/tenants';
import type { EntitlementUpdate, PolicySink, RevocationUpdate } from '../src/api/validate';
import { TenantStores } from '../src/journal/tenants';
import { createLogger } from '../src/log/index';
import { ensureCertificate } from '../src/tls/cert';

export const AUD = 'https://bridge.badgewire.test';
export const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

export interface Harness {
  api: ApiServer;
  port: number;
  ca: string;
  stores: TenantStores;
  logs: string[];
  sink: { entitlements: Array<[string, EntitlementUpdate]>; revocations: Array<[string, RevocationUpdate]> };
  clock: { now: number };
  dir: string;
  /** The acme client's Ed25519 pair, for tests that forge tokens. */
  acmeKeys: { publicKey: KeyObject; privateKey: KeyObject };
  token(claims?: Record<string, unknown>, client?: 'acme' | 'globex'): Promise<string>;
  close(): Promise<void>;
}

/** Readers per tenant; the reader-session engineer's registry implements the same interface. */
export function staticReaders(byTenant: Record<string, ReaderInfo[]>): ReaderRegistry {
  return {
    list: (t) => byTenant[t] ?? [],
    get: (t, id) => (byTenant[t] ?? []).find((r) => r.id === id),
  };
}

export async function startHarness(
  stream: { idleMs?: number; heartbeatMs?: number; maxBufferedBytes?: number; maxPerTenant?: number } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-api-'));
  const cert = await ensureCertificate({ dir: join(dir, 'tls') });
  const keys = new Map<string, Uint8Array>();
  const stores = new TenantStores({
    dataDir: dir,
    keys: {
      journalKey: (t) => {
        if (!keys.has(t)) keys.set(t, randomBytes(32));
        return keys.get(t)!;
      },
    },
    windowMs: 0,
  });
  const clock = { now: T0 };
  const acme = generateKeyPairSync('ed25519');
  const globex = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const clients: ApiClient[] = [
    {
      iss: 'acme-crm',
      kid: 'acme-1',
      alg: 'EdDSA',
      key: acme.publicKey,
      tenants: ['acme'],
      scopes: ['events:read', 'admin', 'metrics'],
      registeredAt: T0,
    },
    {
      iss: 'globex-bi',
      kid: 'globex-1',
      alg: 'ES256',
      key: globex.publicKey,
      tenants: ['globex'],
      scopes: ['events:read'],
      registeredAt: T0,
    },
  ];
  const logs: string[] = [];
  const sink: Harness['sink'] = { entitlements: [], revocations: [] };
  const policy: PolicySink = {
    entitlement: async (t, e) => void sink.entitlements.push([t, e]),
    revocation: async (t, r) => void sink.revocations.push([t, r]),
  };
  const now = () => clock.now;
  const api = createApiServer({
    tls: cert,
    verify: createTokenVerifier({ audience: AUD, clients, activity: memoryActivityStore(), now }),
    tenants: createApiTenants({ dataDir: dir, openJournal: (t) => stores.get(t).journal, now }),
    readers: staticReaders({
      acme: [
        {
          id: 'door-1',
          transport: 'serial',
          state: 'online',
          lastSeen: T0,
          doorId: 'main',
          health: { firmware: '1.0.0', tamper: false },
        },
      ],
      globex: [{ id: 'lead-9', transport: 'ble', state: 'offline', health: { rssi: -71 } }],
    }),
    policy,
    log: createLogger({ sink: { write: (l: string) => logs.push(l) } }),
    now,
    stream: { ...stream, idleMs: stream.idleMs ?? 60_000, heartbeatMs: stream.heartbeatMs ?? 30_000 },
  });
  const port = await api.listen(0);
  return {
    api,
    port,
    ca: cert.cert,
    stores,
    logs,
    sink,
    clock,
    dir,
    acmeKeys: acme,
    token: (claims = {}, client = 'acme') =>
      new SignJWT({ tenant: client, scope: 'events:read', ...claims })
        .setProtectedHeader(
          client === 'acme' ? { alg: 'EdDSA', kid: 'acme-1' } : { alg: 'ES256', kid: 'globex-1' },
        )
        .setIssuer(client === 'acme' ? 'acme-crm' : 'globex-bi')
        .setAudience(AUD)
        .setSubject('svc')
        .setIssuedAt(Math.floor(clock.now / 1000))
        .setExpirationTime(Math.floor(clock.now / 1000) + 600)
        .sign(client === 'acme' ? acme.privateKey : globex.privateKey),
    close: async () => {
      await api.close();
      await stores.closeAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
  json: any;
}

export function call(
  h: Harness,
  path: string,
  o: { method?: string; token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
    const req = request(
      {
        host: '127.0.0.1',
        port: h.port,
        path,
        method: o.method ?? 'GET',
        ca: h.ca,
        servername: 'localhost',
        agent: false,
        headers: {
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(o.headers ?? {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export interface SseEvent {
  id: string;
  event: string;
  data: string;
}

export interface SseClient {
  status: Promise<number>;
  events: SseEvent[];
  raw: string[];
  closed: Promise<void>;
  waitFor(n: number, timeoutMs?: number): Promise<SseEvent[]>;
  abort(): void;
}

export function openStream(
  h: Harness,
  path: string,
  token: string,
  headers: Record<string, string> = {},
): SseClient {
  const events: SseEvent[] = [];
  const raw: string[] = [];
  let buf = '';
  let resolveStatus!: (n: number) => void;
  let resolveClosed!: () => void;
  const waiters: Array<() => void> = [];
  const status = new Promise<number>((r) => (resolveStatus = r));
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const req = request(
    {
      host: '127.0.0.1',
      port: h.port,
      path,
      ca: h.ca,
      servername: 'localhost',
      agent: false,
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers },
    },
    (res) => {
      resolveStatus(res.statusCode ?? 0);
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        raw.push(c);
        buf += c;
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const f: Record<string, string> = {};
          for (const line of block.split('\n')) {
            const m = /^(id|event|data): (.*)$/.exec(line);
            if (m) f[m[1]!] = m[2]!;
          }
          if (f['data'] !== undefined)
            events.push({ id: f['id'] ?? '', event: f['event'] ?? '', data: f['data'] });
        }
        for (const w of waiters.splice(0)) w();
      });
      res.on('end', () => resolveClosed());
      res.on('close', () => resolveClosed());
    },
  );
  req.on('error', () => resolveClosed());
  req.end();
  return {
    status,
    events,
    raw,
    closed,
    abort: () => req.destroy(),
    waitFor: async (n, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      while (events.length < n) {
        if (Date.now() > deadline) throw new Error(`stream delivered ${events.length}/${n} events`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return events;
    },
  };
}
