/**
 * A bridge "site" on disk for tests that start the real bridge: an API clients file with one HS256 client,
 * a bridge.json over one tenant and hall, and tokens for that client. Each test adds only what it is about
 * (readers, enrolment, journal or backup settings) through `extra`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import type { call } from './api-fixtures';

export interface SiteOptions {
  /** The API audience (also the `aud` of the tokens). */
  audience: string;
  issuer?: string;
  /** Environment variable holding the client's base64url HS256 secret. */
  secretEnv: string;
  scopes?: string[];
  doors?: string[];
  /** Further top-level config fields (readers, enrolment, journal, backup, ...). */
  extra?: Record<string, unknown>;
}

/** Writes clients.json and bridge.json in `dir`; returns the bridge.json path. */
export function writeSite(dir: string, o: SiteOptions): string {
  writeFileSync(
    join(dir, 'clients.json'),
    JSON.stringify([
      {
        iss: o.issuer ?? 'acme-ops',
        kid: 'k1',
        alg: 'HS256',
        secretEnv: o.secretEnv,
        tenants: ['acme'],
        scopes: o.scopes ?? ['events:read', 'admin'],
        registeredAt: '2026-11-01T00:00:00Z',
      },
    ]),
  );
  const file = join(dir, 'bridge.json');
  writeFileSync(
    file,
    JSON.stringify({
      dataDir: 'data',
      tenants: ['acme'],
      zones: [{ id: 'hall' }],
      doors: (o.doors ?? ['main']).map((id) => ({ id, zone: 'hall' })),
      api: { listen: { host: '127.0.0.1', port: 0 }, audience: o.audience, clientsFile: 'clients.json' },
      ...o.extra,
    }),
  );
  return file;
}

/** A one-minute token of the site's client for `scope`. */
export function siteToken(o: SiteOptions, secret: Uint8Array, scope = 'admin'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tenant: 'acme', scope })
    .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
    .setIssuer(o.issuer ?? 'acme-ops')
    .setAudience(o.audience)
    .setSubject('ops')
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(secret);
}

/** What `call` needs to reach a started bridge's API (its port and the generated certificate). */
export function apiOf(port: number | undefined, dataDir: string): Parameters<typeof call>[0] {
  return {
    port: port ?? 0,
    ca: readFileSync(join(dataDir, 'tls', 'bridge-cert.pem'), 'utf8'),
  } as Parameters<typeof call>[0];
}
