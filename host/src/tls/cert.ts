/**
 * The bridge's certificate: loaded from disk when given, otherwise generated once (ECDSA P-256,
 * self-signed) and kept beside the data so clients can pin its SHA-256 fingerprint across restarts.
 * P-256 rather than Ed25519 because browsers and many TLS stacks (and Mosquitto builds) still refuse
 * Ed25519 server certificates; the TLS 1.2 suite list is ECDSA-first for the same reason.
 */
import 'reflect-metadata';
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import type { CertificatePair } from './policy';

export interface BridgeCertificate extends CertificatePair {
  /** SHA-256 of the DER certificate, colon-separated upper-case hex (as `openssl x509 -fingerprint -sha256`). */
  fingerprint256: string;
  /** true when this call generated (and stored) a new certificate. */
  generated: boolean;
}

export interface CertificateOptions {
  /** Directory holding `bridge-cert.pem` and `bridge-key.pem`. */
  dir: string;
  /** Names the certificate is valid for; `localhost`, `127.0.0.1` and `::1` by default. */
  hostnames?: string[];
  /** Injected clock (ms since the epoch) for notBefore/notAfter. */
  now?: () => number;
  validityDays?: number;
}

export class CertificateError extends Error {
  constructor(
    readonly code: 'cert_unreadable' | 'cert_key_mismatch' | 'cert_expired',
    message: string,
  ) {
    super(message);
    this.name = 'CertificateError';
  }
}

const CERT_FILE = 'bridge-cert.pem';
const KEY_FILE = 'bridge-key.pem';
const IP_RE = /^[0-9.]+$|:/;

/** Returns the SHA-256 fingerprint of a PEM certificate, colon-separated. */
export function certFingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

/** Loads `dir/bridge-{cert,key}.pem`, or generates and stores a new pair when neither exists. */
export async function ensureCertificate(opts: CertificateOptions): Promise<BridgeCertificate> {
  const certPath = join(opts.dir, CERT_FILE);
  const keyPath = join(opts.dir, KEY_FILE);
  const now = opts.now ?? Date.now;
  if (existsSync(certPath) || existsSync(keyPath)) {
    return { ...loadPair(certPath, keyPath, now()), generated: false };
  }
  const pair = await generateSelfSigned(opts.hostnames ?? ['localhost', '127.0.0.1', '::1'], now(), opts);
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  writeAtomic(keyPath, pair.key, 0o600);
  writeAtomic(certPath, pair.cert, 0o644);
  return { ...pair, fingerprint256: certFingerprint(pair.cert), generated: true };
}

function loadPair(
  certPath: string,
  keyPath: string,
  nowMs: number,
): CertificatePair & { fingerprint256: string } {
  let cert: string;
  let key: string;
  let parsed: X509Certificate;
  try {
    cert = readFileSync(certPath, 'utf8');
    key = readFileSync(keyPath, 'utf8');
    parsed = new X509Certificate(cert);
  } catch (e) {
    throw new CertificateError(
      'cert_unreadable',
      `cannot read the bridge certificate pair in ${certPath} / ${keyPath} (${(e as NodeJS.ErrnoException).code ?? 'parse error'}); fix or delete both files to regenerate`,
    );
  }
  if (!parsed.checkPrivateKey(createPrivate(key))) {
    throw new CertificateError(
      'cert_key_mismatch',
      `${keyPath} does not match ${certPath}; delete both to regenerate`,
    );
  }
  if (Date.parse(parsed.validTo) <= nowMs) {
    throw new CertificateError(
      'cert_expired',
      `${certPath} expired on ${parsed.validTo}; delete both files to regenerate`,
    );
  }
  return { cert, key, fingerprint256: parsed.fingerprint256 };
}

function createPrivate(pem: string) {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new CertificateError('cert_unreadable', 'the bridge private key is not a readable PEM key');
  }
}

async function generateSelfSigned(
  hostnames: string[],
  nowMs: number,
  opts: CertificateOptions,
): Promise<CertificatePair> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] = (serial[0] ?? 0) & 0x7f; // positive INTEGER per RFC 5280 §4.1.2.2
  const names = hostnames.map((h) =>
    IP_RE.test(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h },
  );
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString('hex'),
      name: 'CN=badgewire bridge',
      notBefore: new Date(nowMs - 60_000),
      notAfter: new Date(nowMs + (opts.validityDays ?? 397) * 86_400_000),
      signingAlgorithm: alg,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(names),
      ],
    },
    webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1],
  );
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const key = `-----BEGIN PRIVATE KEY-----\n${wrap64(Buffer.from(pkcs8).toString('base64'))}\n-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem'), key };
}

function wrap64(b64: string): string {
  return b64.match(/.{1,64}/g)?.join('\n') ?? '';
}

function writeAtomic(path: string, text: string, mode: number): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}
