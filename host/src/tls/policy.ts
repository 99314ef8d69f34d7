/**
 * The bridge's TLS policy: TLS 1.2+ with only 256-bit AEAD suites and forward secrecy, the posture that
 * earns an A+ from the usual graders (SSL Labs: no TLS 1.0/1.1, no CBC, no static-RSA key exchange,
 * only AES-256-GCM/ChaCha20, HSTS with a long max-age).
 */
import type { SecureContextOptions, TlsOptions } from 'node:tls';

/** TLS 1.3 suites. TLS_AES_128_GCM_SHA256 (OpenSSL's default) is left out: 256-bit only. */
export const TLS13_SUITES = ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;

/** TLS 1.2 suites: ECDHE only (forward secrecy), AEAD only (no CBC padding oracles), 256-bit only. */
export const TLS12_SUITES = [
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
] as const;

/** Node takes TLS 1.3 and 1.2 names in one list and routes each to the right OpenSSL setter. */
export const CIPHER_LIST = [...TLS13_SUITES, ...TLS12_SUITES].join(':');

/** Two years with subdomains; the value graders require for A+ (>= 6 months). */
export const HSTS_HEADER = 'max-age=63072000; includeSubDomains';

export interface CertificatePair {
  cert: string;
  key: string;
}

/** Options for `https.createServer` / `tls.createServer` enforcing the policy above. */
export function secureServerOptions(pair: CertificatePair): TlsOptions & SecureContextOptions {
  return {
    cert: pair.cert,
    key: pair.key,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    ciphers: CIPHER_LIST,
    honorCipherOrder: true,
    // X25519 first; P-256 for clients without it. No weaker groups.
    ecdhCurve: 'X25519:P-256:P-384',
    // Renegotiation is a DoS lever and adds nothing for an API.
    sessionTimeout: 300,
  };
}
