import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConnectionOptions, connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateError, certFingerprint, ensureCertificate } from '../src/tls/cert';
import { HSTS_HEADER, secureServerOptions } from '../src/tls/policy';

const dir = mkdtempSync(join(tmpdir(), 'bw-tls-'));
let pair: Awaited<ReturnType<typeof ensureCertificate>>;
let strict: Server;
let lax: Server;

function listen(s: Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
}

/** Resolves with the negotiated version/cipher, or rejects with the handshake error. */
function handshake(port: number, opts: ConnectionOptions): Promise<{ version: string; cipher: string }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca: pair.cert, servername: 'localhost', ...opts }, () => {
      const r = { version: s.getProtocol() ?? '', cipher: s.getCipher().standardName };
      s.end();
      resolve(r);
    });
    s.on('error', reject);
  });
}

let strictPort = 0;
let laxPort = 0;
let rsaStrictPort = 0;
let rsaLaxPort = 0;
let rsaCert = '';
const rsaServers: Server[] = [];

/** Static-RSA and DHE suites need an RSA certificate, so this pair is made with the openssl CLI. */
function rsaPair(): { cert: string; key: string } {
  const k = join(dir, 'rsa-key.pem');
  const c = join(dir, 'rsa-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      k,
      '-out',
      c,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(c, 'utf8'), key: readFileSync(k, 'utf8') };
}

beforeAll(async () => {
  pair = await ensureCertificate({ dir });
  const handler = (_req: unknown, res: import('node:http').ServerResponse) => res.end('ok');
  strict = createServer(secureServerOptions(pair), handler);
  // Control server: same certificate, everything allowed. Proves each weak client below *can* connect,
  // so its failure against the strict server comes from the policy and not from the client.
  lax = createServer(
    { cert: pair.cert, key: pair.key, minVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0' },
    handler,
  );
  strictPort = await listen(strict);
  laxPort = await listen(lax);
  const rsa = rsaPair();
  rsaCert = rsa.cert;
  const dh = execFileSync('openssl', ['dhparam', '-dsaparam', '2048'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString();
  rsaServers.push(createServer(secureServerOptions(rsa), handler));
  rsaServers.push(
    createServer({ ...rsa, dhparam: dh, minVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0' }, handler),
  );
  rsaStrictPort = await listen(rsaServers[0]!);
  rsaLaxPort = await listen(rsaServers[1]!);
});

afterAll(() => {
  strict.close();
  lax.close();
  for (const s of rsaServers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('bridge certificate', () => {
  it('is generated once as a self-signed ECDSA P-256 server certificate with a private key file', async () => {
    expect(pair.generated).toBe(true);
    const x = new X509Certificate(pair.cert);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.publicKey.asymmetricKeyType).toBe('ec');
    expect(x.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(x.checkHost('localhost')).toBe('localhost');
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(statSync(join(dir, 'bridge-key.pem')).mode & 0o077).toBe(0);
    const again = await ensureCertificate({ dir });
    expect(again.generated).toBe(false);
    expect(again.fingerprint256).toBe(pair.fingerprint256);
  });

  it('prints the same SHA-256 fingerprint as openssl', () => {
    const out = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], {
      input: pair.cert,
    }).toString();
    expect(out.trim().split('=')[1]).toBe(certFingerprint(pair.cert));
    expect(pair.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('refuses a key that does not match the certificate with a clear code', async () => {
    const other = mkdtempSync(join(tmpdir(), 'bw-tls2-'));
    const b = await ensureCertificate({ dir: other });
    writeFileSync(join(other, 'bridge-key.pem'), pair.key);
    await expect(ensureCertificate({ dir: other })).rejects.toMatchObject({ code: 'cert_key_mismatch' });
    await expect(ensureCertificate({ dir: other })).rejects.toBeInstanceOf(CertificateError);
    expect(b.generated).toBe(true);
    rmSync(other, { recursive: true, force: true });
  });

  it('refuses an expired certificate', async () => {
    const other = mkdtempSync(join(tmpdir(), 'bw-tls3-'));
    await ensureCertificate({ dir: other, validityDays: 1 });
    await expect(
      ensureCertificate({ dir: other, now: () => Date.now() + 2 * 86_400_000 }),
    ).rejects.toMatchObject({
      code: 'cert_expired',
    });
    rmSync(other, { recursive: true, force: true });
  });
});

describe('TLS policy (real tls.connect)', () => {
  const weak: Array<[string, ConnectionOptions]> = [
    ['TLSv1', { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0' }],
    ['TLSv1.1', { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'ALL:@SECLEVEL=0' }],
    ['TLS 1.3 AES-128-GCM', { minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' }],
    ['TLS 1.2 ECDHE AES128-GCM', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }],
    ['TLS 1.2 CBC SHA384', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-SHA384' }],
    ['TLS 1.2 CBC SHA1', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-SHA:@SECLEVEL=0' }],
    ['TLS 1.2 CBC AES128', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256' }],
  ];
  it.each(weak)('refuses %s', async (_name, opts) => {
    await expect(handshake(strictPort, opts)).rejects.toThrow();
  });
  it.each(weak)('control: the same %s client connects to a lax server', async (_n, opts) => {
    await expect(handshake(laxPort, opts)).resolves.toBeTruthy();
  });

  const strong: Array<[string, ConnectionOptions, string]> = [
    ['TLS 1.3 AES-256-GCM', { ciphers: 'TLS_AES_256_GCM_SHA384' }, 'TLS_AES_256_GCM_SHA384'],
    ['TLS 1.3 ChaCha20', { ciphers: 'TLS_CHACHA20_POLY1305_SHA256' }, 'TLS_CHACHA20_POLY1305_SHA256'],
    [
      'TLS 1.2 ECDHE-ECDSA-AES256-GCM',
      { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' },
      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
    ],
    [
      'TLS 1.2 ECDHE-ECDSA-CHACHA20',
      { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' },
      'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
    ],
  ];
  it.each(strong)('accepts %s', async (_name, opts, expected) => {
    const r = await handshake(strictPort, opts);
    expect(r.cipher).toBe(expected);
  });

  describe('with an operator-supplied RSA certificate', () => {
    const rsaWeak: Array<[string, string]> = [
      ['static-RSA key exchange', 'AES256-GCM-SHA384'],
      ['finite-field DHE', 'DHE-RSA-AES256-GCM-SHA384'],
      ['ECDHE-RSA CBC', 'ECDHE-RSA-AES256-SHA384'],
    ];
    it.each(rsaWeak)('refuses %s, which a lax server accepts', async (_n, ciphers) => {
      const o = { maxVersion: 'TLSv1.2' as const, ciphers, ca: rsaCert };
      await expect(handshake(rsaStrictPort, o)).rejects.toThrow();
      await expect(handshake(rsaLaxPort, o)).resolves.toBeTruthy();
    });
    it('accepts ECDHE-RSA-AES256-GCM-SHA384', async () => {
      const r = await handshake(rsaStrictPort, {
        maxVersion: 'TLSv1.2',
        ciphers: 'ECDHE-RSA-AES256-GCM-SHA384',
        ca: rsaCert,
      });
      expect(r.cipher).toBe('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384');
    });
  });

  it('negotiates TLS 1.3 with a 256-bit suite for a default client', async () => {
    const r = await handshake(strictPort, {});
    expect(r.version).toBe('TLSv1.3');
    expect(['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']).toContain(r.cipher);
  });

  it('uses a long HSTS max-age', () => {
    const age = Number(/max-age=(\d+)/.exec(HSTS_HEADER)?.[1]);
    expect(age).toBeGreaterThanOrEqual(15_552_000);
  });
});
