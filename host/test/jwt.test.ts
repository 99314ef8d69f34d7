import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url, errors, importJWK, jwtVerify, SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedVector } from '../../protocol/test/vectors';
import { type ApiClient, fileActivityStore, memoryActivityStore } from '../src/api/clients';
import { ApiError } from '../src/api/errors';
import { createTokenVerifier, DAY_MS } from '../src/api/jwt';

const vec = sharedVector('jwt-hs256-rfc7515-rfc7519.json');
const negatives: Array<[string, string]> = vec.negative.map((n: { id: string; jwt: string }) => [
  n.id,
  n.jwt,
]);

describe('RFC 7515 A.1 / RFC 7519 3.1 HS256 vector with jose', () => {
  const v = vec.vectors[0];
  it('is rejected as expired with the real clock', async () => {
    const key = await importJWK(v.jwk, 'HS256');
    await expect(jwtVerify(v.jwt, key, { algorithms: ['HS256'] })).rejects.toBeInstanceOf(errors.JWTExpired);
  });
  it('is accepted with an injected clock before exp', async () => {
    const key = await importJWK(v.jwk, 'HS256');
    const { payload, protectedHeader } = await jwtVerify(v.jwt, key, {
      algorithms: ['HS256'],
      currentDate: new Date((1300819380 - 60) * 1000),
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toEqual(JSON.parse(v.payload_utf8));
    expect(v.jwt.split('.')[2]).toBe(v.signature_b64url);
  });
  it.each(negatives)('rejects %s', async (_id: string, jwt: string) => {
    const key = await importJWK(v.jwk, 'HS256');
    await expect(
      jwtVerify(jwt as string, key, {
        algorithms: ['HS256'],
        currentDate: new Date((1300819380 - 60) * 1000),
      }),
    ).rejects.toThrow();
  });
});

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const AUD = 'https://bridge.badgewire.test';
const ed = generateKeyPairSync('ed25519');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const hsSecret = randomBytes(32);
const clients: ApiClient[] = [
  {
    iss: 'acme-crm',
    kid: 'acme-1',
    alg: 'EdDSA',
    key: ed.publicKey,
    tenants: ['acme'],
    scopes: ['events:read', 'admin'],
    registeredAt: T0,
  },
  {
    iss: 'globex-bi',
    kid: 'globex-1',
    alg: 'ES256',
    key: ec.publicKey,
    tenants: ['globex'],
    scopes: ['events:read'],
    registeredAt: T0,
  },
  {
    iss: 'acme-hmac',
    kid: 'acme-hs',
    alg: 'HS256',
    key: hsSecret,
    tenants: ['acme'],
    scopes: ['events:read'],
    registeredAt: T0,
  },
];

interface Mint {
  alg?: string;
  kid?: string;
  key?: KeyObject | Uint8Array;
  iss?: string;
  aud?: string;
  iat?: number;
  exp?: number;
  nbf?: number;
  claims?: Record<string, unknown>;
}

async function mint(m: Mint = {}): Promise<string> {
  const iat = m.iat ?? Math.floor(T0 / 1000);
  const jwt = new SignJWT({ tenant: 'acme', scope: 'events:read', ...(m.claims ?? {}) })
    .setProtectedHeader({ alg: m.alg ?? 'EdDSA', kid: m.kid ?? 'acme-1' })
    .setIssuer(m.iss ?? 'acme-crm')
    .setAudience(m.aud ?? AUD)
    .setSubject('svc-1')
    .setIssuedAt(iat)
    .setExpirationTime(m.exp ?? iat + 600);
  if (m.nbf !== undefined) jwt.setNotBefore(m.nbf);
  return jwt.sign(m.key ?? ed.privateKey);
}

function verifier(now = () => T0, activity = memoryActivityStore()) {
  return createTokenVerifier({ audience: AUD, clients, activity, now });
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return (e as ApiError).code;
  }
  return 'accepted';
}

describe('token verifier', () => {
  const verify = verifier();
  it('accepts a valid EdDSA, ES256 and HS256 token and returns the tenant and scopes', async () => {
    const p = await verify(`Bearer ${await mint({ claims: { scope: 'events:read admin other' } })}`);
    expect(p).toMatchObject({ iss: 'acme-crm', kid: 'acme-1', sub: 'svc-1', tenant: 'acme' });
    expect([...p.scopes].sort()).toEqual(['admin', 'events:read']);
    const g = await verify(
      `Bearer ${await mint({ alg: 'ES256', kid: 'globex-1', key: ec.privateKey, iss: 'globex-bi', claims: { tenant: 'globex' } })}`,
    );
    expect(g.tenant).toBe('globex');
    const h = await verify(
      `Bearer ${await mint({ alg: 'HS256', kid: 'acme-hs', key: hsSecret, iss: 'acme-hmac' })}`,
    );
    expect(h.iss).toBe('acme-hmac');
  });

  const now = Math.floor(T0 / 1000);
  const attacks: Array<[string, () => Promise<string>, string, number]> = [
    ['missing header', async () => '', 'token_missing', 401],
    ['not a bearer JWS', async () => 'Basic dXNlcjpwYXNz', 'token_malformed', 401],
    [
      'alg none',
      async () => {
        const t = await mint();
        const [, payload] = t.split('.');
        return `Bearer ${base64url.encode(JSON.stringify({ alg: 'none', kid: 'acme-1' }))}.${payload}.`;
      },
      'alg_not_allowed',
      401,
    ],
    [
      'HS256 signed with the EdDSA public key (key confusion, PEM)',
      async () =>
        `Bearer ${await mint({ alg: 'HS256', key: Buffer.from(ed.publicKey.export({ type: 'spki', format: 'pem' }) as string) })}`,
      'alg_not_allowed',
      401,
    ],
    [
      'HS256 signed with the ES256 public key (key confusion, DER)',
      async () =>
        `Bearer ${await mint({ alg: 'HS256', kid: 'globex-1', iss: 'globex-bi', key: ec.publicKey.export({ type: 'spki', format: 'der' }), claims: { tenant: 'globex' } })}`,
      'alg_not_allowed',
      401,
    ],
    [
      'RS256 (not on the allow-list)',
      async () =>
        `Bearer ${await mint({ alg: 'RS256', key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey })}`,
      'alg_not_allowed',
      401,
    ],
    [
      'expired beyond the skew',
      async () => `Bearer ${await mint({ iat: now - 700, exp: now - 61 })}`,
      'token_expired',
      401,
    ],
    [
      'not yet valid beyond the skew',
      async () => `Bearer ${await mint({ nbf: now + 120 })}`,
      'token_not_yet_valid',
      401,
    ],
    ['wrong issuer', async () => `Bearer ${await mint({ iss: 'evil' })}`, 'issuer_invalid', 401],
    [
      'wrong audience',
      async () => `Bearer ${await mint({ aud: 'https://other.example' })}`,
      'audience_invalid',
      401,
    ],
    [
      'missing tenant',
      async () => `Bearer ${await mint({ claims: { tenant: undefined } })}`,
      'claim_missing',
      401,
    ],
    [
      'missing scope',
      async () => `Bearer ${await mint({ claims: { scope: undefined } })}`,
      'claim_missing',
      401,
    ],
    [
      'path-like tenant',
      async () => `Bearer ${await mint({ claims: { tenant: '../globex' } })}`,
      'claim_invalid',
      401,
    ],
    [
      "another tenant's data",
      async () => `Bearer ${await mint({ claims: { tenant: 'globex' } })}`,
      'tenant_forbidden',
      403,
    ],
    ['unknown kid', async () => `Bearer ${await mint({ kid: 'nope' })}`, 'unknown_kid', 401],
    [
      'tampered payload',
      async () => {
        const [h, p, s] = (await mint()).split('.');
        const claims = JSON.parse(new TextDecoder().decode(base64url.decode(p!)));
        claims.scope = 'events:read admin';
        return `Bearer ${h}.${base64url.encode(JSON.stringify(claims))}.${s}`;
      },
      'signature_invalid',
      401,
    ],
    [
      'signed by another key under a known kid',
      async () => `Bearer ${await mint({ key: generateKeyPairSync('ed25519').privateKey })}`,
      'signature_invalid',
      401,
    ],
    [
      'lifetime over 24 h',
      async () => `Bearer ${await mint({ exp: now + 2 * 86_400 })}`,
      'claim_invalid',
      401,
    ],
    [
      'iat in the future',
      async () => `Bearer ${await mint({ iat: now + 600, exp: now + 900 })}`,
      'claim_invalid',
      401,
    ],
  ];
  it.each(attacks)('refuses %s', async (_n, make, expected, status) => {
    const header = await make();
    try {
      await verify(header || undefined);
      expect.unreachable('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).code).toBe(expected);
      expect((e as ApiError).status).toBe(status);
      if (header) expect((e as ApiError).message).not.toContain(header.slice(7, 40));
    }
  });

  it('accepts exp and nbf within the 60 s clock-skew bound', async () => {
    expect(await code(verify(`Bearer ${await mint({ iat: now - 600, exp: now - 30 })}`))).toBe('accepted');
    expect(await code(verify(`Bearer ${await mint({ nbf: now + 30 })}`))).toBe('accepted');
  });

  it('refuses to configure an HS256 client without its own 32-byte secret', () => {
    expect(() =>
      createTokenVerifier({
        audience: AUD,
        clients: [{ ...clients[2]!, key: Buffer.alloc(16) }],
        activity: memoryActivityStore(),
        now: () => T0,
      }),
    ).toThrow(/32 bytes/);
  });
});

describe('inactive API clients', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-jwt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stop being accepted 30 days after last use, and last use survives a restart', async () => {
    let clock = T0;
    const path = join(dir, 'clients.json');
    const tok = async () => `Bearer ${await mint({ iat: Math.floor(clock / 1000) })}`;
    const v1 = verifier(() => clock, fileActivityStore(path));
    expect(await code(v1(await tok()))).toBe('accepted');
    clock = T0 + 29 * DAY_MS;
    expect(await code(v1(await tok()))).toBe('accepted');
    // a restarted bridge reads last-used from disk
    clock = T0 + 29 * DAY_MS + 30 * DAY_MS - 1000;
    const v2 = verifier(() => clock, fileActivityStore(path));
    expect(await code(v2(await tok()))).toBe('accepted');
    clock += 30 * DAY_MS + 1000;
    const v3 = verifier(() => clock, fileActivityStore(path));
    expect(await code(v3(await tok()))).toBe('client_inactive');
  });

  it('counts from registration for a client never used', async () => {
    const clock = T0 + 31 * DAY_MS;
    const v = verifier(() => clock);
    expect(await code(v(`Bearer ${await mint({ iat: Math.floor(clock / 1000) })}`))).toBe('client_inactive');
  });

  it('does not record use for a refused token', async () => {
    const activity = memoryActivityStore();
    const v = verifier(() => T0, activity);
    await code(v(`Bearer ${await mint({ aud: 'x' })}`));
    expect(activity.lastUsed('acme-crm', 'acme-1')).toBeUndefined();
  });
});
