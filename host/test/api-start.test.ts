import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { base64url, exportJWK, SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { loadApiClients, parseApiClients } from '../src/api/clients-file';
import { startIntegratorApi } from '../src/api/start';
import { TenantStores } from '../src/journal/tenants';
import { createLogger } from '../src/log/index';
import { call, staticReaders } from './api-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'bw-start-'));
const stores = new TenantStores({ dataDir: dir, keys: { journalKey: () => jkey }, windowMs: 0 });
const jkey = randomBytes(32);
afterAll(async () => {
  await stores.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

const ed = generateKeyPairSync('ed25519');
const secret = randomBytes(32);
const env = { ACME_HS: base64url.encode(secret) };

async function clientsJson() {
  return [
    {
      iss: 'acme-crm',
      kid: 'k1',
      alg: 'EdDSA',
      jwk: await exportJWK(ed.publicKey),
      tenants: ['acme'],
      scopes: ['events:read'],
      registeredAt: '2026-11-01T00:00:00Z',
    },
    {
      iss: 'acme-hs',
      kid: 'k2',
      alg: 'HS256',
      secretEnv: 'ACME_HS',
      tenants: ['acme'],
      scopes: ['events:read'],
      registeredAt: '2026-11-01T00:00:00Z',
    },
  ];
}

function peerFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(s.getPeerX509Certificate()!.fingerprint256);
      s.end();
    });
    s.on('error', reject);
  });
}

describe('starting the integrator API', () => {
  it('generates a certificate on first start, prints its fingerprint, keeps it across restarts, and serves tokens from the clients file', async () => {
    const file = join(dir, 'clients.json');
    writeFileSync(file, JSON.stringify(await clientsJson()));
    const clients = await loadApiClients(file, env);
    const printed: string[] = [];
    const opts = {
      dataDir: dir,
      listen: { host: '127.0.0.1', port: 0 },
      tls: null,
      audience: 'https://bridge.test',
      clients,
      readers: staticReaders({ acme: [] }),
      policy: { entitlement: async () => undefined, revocation: async () => undefined },
      openJournal: (t: string) => stores.get(t).journal,
      log: createLogger({ sink: { write: () => undefined } }),
      print: (l: string) => printed.push(l),
    };
    const first = await startIntegratorApi(opts);
    expect(first.certificateGenerated).toBe(true);
    expect(printed[0]).toContain(first.fingerprint256);
    const ca = readFileSync(join(dir, 'tls', 'bridge-cert.pem'), 'utf8');
    expect(await peerFingerprint(first.port, ca)).toBe(first.fingerprint256);
    const now = Math.floor(Date.now() / 1000);
    const hs = await new SignJWT({ tenant: 'acme', scope: 'events:read' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k2' })
      .setIssuer('acme-hs')
      .setAudience('https://bridge.test')
      .setSubject('s')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(secret);
    const h = { port: first.port, ca } as Parameters<typeof call>[0];
    expect((await call(h, '/v1/readers', { token: hs })).status).toBe(200);
    await first.api.close();

    const second = await startIntegratorApi(opts);
    expect(second.certificateGenerated).toBe(false);
    expect(second.fingerprint256).toBe(first.fingerprint256);
    await second.api.close();
  });
});

describe('API clients file', () => {
  it.each([
    [
      'a private JWK',
      async (c: Record<string, unknown>[]) => (c[0]!['jwk'] = await exportJWK(ed.privateKey)),
      /private key material/,
    ],
    [
      'an unset secret variable',
      async (c: Record<string, unknown>[]) => (c[1]!['secretEnv'] = 'NOPE'),
      /NOPE is not set/,
    ],
    [
      'a short HMAC secret',
      async (c: Record<string, unknown>[]) => (c[1]!['secretEnv'] = 'SHORT'),
      /at least 32 bytes/,
    ],
    ['alg none', async (c: Record<string, unknown>[]) => (c[0]!['alg'] = 'none'), /alg must be one of/],
    ['a bad tenant', async (c: Record<string, unknown>[]) => (c[0]!['tenants'] = ['../x']), /tenants/],
    [
      'a wrong curve',
      async (c: Record<string, unknown>[]) => (c[0]!['alg'] = 'ES256'),
      /curve must be P-256/,
    ],
  ])('refuses %s', async (_n, mutate, message) => {
    const c = (await clientsJson()) as Record<string, unknown>[];
    await mutate(c);
    await expect(parseApiClients(c, { ...env, SHORT: base64url.encode(randomBytes(16)) })).rejects.toThrow(
      message,
    );
  });

  it('reports an unreadable file with a code', async () => {
    await expect(loadApiClients(join(dir, 'missing.json'))).rejects.toMatchObject({
      code: 'clients_unreadable',
    });
  });
});
