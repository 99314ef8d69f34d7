/**
 * Starting the integrator API the way the bridge does: use the configured certificate or generate one on
 * first start, print its SHA-256 fingerprint for clients to pin, persist client last use, listen on TLS.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Journal } from '../journal/types';
import { certFingerprint, ensureCertificate } from '../tls/cert';
import type { CertificatePair } from '../tls/policy';
import { type ApiClient, fileActivityStore } from './clients';
import { createTokenVerifier } from './jwt';
import type { MetricsRegistry } from './metrics';
import type { ReaderRegistry } from './readers';
import { type ApiServer, createApiServer } from './server';
import type { StreamOptions } from './sse';
import { createApiTenants } from './tenants';
import type { PolicySink } from './validate';

export interface IntegratorApiOptions {
  dataDir: string;
  listen: { host: string; port: number };
  /** The operator's certificate; null generates (once) a self-signed one in `<dataDir>/tls`. */
  tls: CertificatePair | null;
  /** The `aud` every token must carry, e.g. the API's URL. */
  audience: string;
  clients: ApiClient[];
  readers: ReaderRegistry;
  policy: PolicySink;
  openJournal: (tenant: string) => Journal;
  log: Logger;
  now?: () => number;
  metrics?: MetricsRegistry;
  stream?: Partial<StreamOptions & { maxPerTenant: number }>;
  /** Where the fingerprint line goes (stdout by default): operators read it on first start. */
  print?: (line: string) => void;
}

export interface RunningApi {
  api: ApiServer;
  port: number;
  fingerprint256: string;
  certificateGenerated: boolean;
}

export async function startIntegratorApi(o: IntegratorApiOptions): Promise<RunningApi> {
  const now = o.now ?? Date.now;
  const cert = o.tls
    ? { ...o.tls, fingerprint256: certFingerprint(o.tls.cert), generated: false }
    : await ensureCertificate({ dir: join(o.dataDir, 'tls'), now });
  const api = createApiServer({
    tls: cert,
    verify: createTokenVerifier({
      audience: o.audience,
      clients: o.clients,
      activity: fileActivityStore(join(o.dataDir, 'api-clients.json')),
      now,
    }),
    tenants: createApiTenants({ dataDir: o.dataDir, openJournal: o.openJournal, now }),
    readers: o.readers,
    policy: o.policy,
    log: o.log,
    now,
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.stream ? { stream: o.stream } : {}),
  });
  const port = await api.listen(o.listen.port, o.listen.host);
  const print = o.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  print(
    `badgewire API on https://${o.listen.host}:${port} (${cert.generated ? 'new self-signed' : 'configured'} certificate, SHA-256 ${cert.fingerprint256})`,
  );
  o.log.info(
    { port, fingerprint256: cert.fingerprint256, generated: cert.generated },
    'integrator api listening',
  );
  return { api, port, fingerprint256: cert.fingerprint256, certificateGenerated: cert.generated };
}
