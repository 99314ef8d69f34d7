import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { base64url, decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventKind } from '../src/journal/types';
import { AUD, call, type Harness, openStream, startHarness } from './api-fixtures';

let h: Harness;
const seen: string[] = [];

async function append(tenant: string, n: number, kind: EventKind = 'decision', readerId = 'door-1') {
  const j = h.stores.get(tenant).journal;
  const base = j.lastPos();
  for (let i = 1; i <= n; i++) {
    await j.append({
      id: `${readerId}:${tenant}:${base + i}`,
      kind,
      readerId,
      at: h.clock.now,
      data: { outcome: 'granted', door: 'main' },
    });
  }
}

beforeAll(async () => {
  h = await startHarness();
  await append('acme', 3, 'decision');
  await append('acme', 2, 'sighting', 'door-2');
  await append('globex', 4, 'lead', 'lead-9');
});
afterAll(async () => {
  await h.close();
});

async function tok(claims: Record<string, unknown> = {}, client: 'acme' | 'globex' = 'acme') {
  const t = await h.token(claims, client);
  seen.push(t);
  return t;
}

describe('transport', () => {
  it('serves /healthz without auth, with HSTS and no-store', async () => {
    const r = await call(h, '/healthz');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: 'ok' });
    expect(r.headers['strict-transport-security']).toMatch(/max-age=63072000/);
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it('gives a plaintext HTTP request no HTTP answer: the TLS handshake fails and the socket closes', async () => {
    const got = await new Promise<string>((resolve) => {
      const s = netConnect(h.port, '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
      const chunks: Buffer[] = [];
      s.on('data', (c) => chunks.push(c));
      s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
      s.on('error', () => undefined);
    });
    expect(got).not.toContain('HTTP/1.1');
    expect(got).not.toContain('ok');
  });

  it('refuses a TLS 1.1 client on the API port', async () => {
    const err = await new Promise<Error | null>((resolve) => {
      const s = tlsConnect(
        {
          host: '127.0.0.1',
          port: h.port,
          ca: h.ca,
          servername: 'localhost',
          minVersion: 'TLSv1.1',
          maxVersion: 'TLSv1.1',
          ciphers: 'ALL:@SECLEVEL=0',
        },
        () => {
          s.end();
          resolve(null);
        },
      );
      s.on('error', resolve);
    });
    expect(err).toBeInstanceOf(Error);
  });
});

describe('authentication and authorisation over HTTPS', () => {
  it.each([
    ['no token', undefined, 401, 'token_missing'],
    ['garbage', 'abc', 401, 'token_malformed'],
  ])('refuses %s', async (_n, token, status, code) => {
    const r = await call(h, '/v1/readers', token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect(r.status).toBe(status);
    expect(r.json.error).toBe(code);
    expect(r.headers['www-authenticate']).toContain(`error_description="${code}"`);
  });

  it('refuses forged and invalid tokens over HTTPS with 401/403 and a clear code', async () => {
    const now = Math.floor(h.clock.now / 1000);
    const forge = (
      header: object,
      claims: object,
      key: Parameters<SignJWT['sign']>[0] = h.acmeKeys.privateKey,
    ) =>
      new SignJWT({
        tenant: 'acme',
        scope: 'events:read',
        iss: 'acme-crm',
        aud: AUD,
        sub: 's',
        iat: now,
        exp: now + 600,
        ...claims,
      })
        .setProtectedHeader(header as { alg: string })
        .sign(key);
    const good = await forge({ alg: 'EdDSA', kid: 'acme-1' }, {});
    const [gh, gp, gs] = good.split('.');
    const pem = Buffer.from(h.acmeKeys.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const cases: Array<[string, string, number, string]> = [
      ['alg none', `${base64url.encode('{"alg":"none","kid":"acme-1"}')}.${gp}.`, 401, 'alg_not_allowed'],
      ['key confusion', await forge({ alg: 'HS256', kid: 'acme-1' }, {}, pem), 401, 'alg_not_allowed'],
      [
        'expired',
        await forge({ alg: 'EdDSA', kid: 'acme-1' }, { iat: now - 900, exp: now - 120 }),
        401,
        'token_expired',
      ],
      [
        'not yet valid',
        await forge({ alg: 'EdDSA', kid: 'acme-1' }, { nbf: now + 300 }),
        401,
        'token_not_yet_valid',
      ],
      [
        'wrong issuer',
        await forge({ alg: 'EdDSA', kid: 'acme-1' }, { iss: 'globex-bi' }),
        401,
        'issuer_invalid',
      ],
      [
        'wrong audience',
        await forge({ alg: 'EdDSA', kid: 'acme-1' }, { aud: 'https://elsewhere' }),
        401,
        'audience_invalid',
      ],
      [
        'missing tenant',
        await forge({ alg: 'EdDSA', kid: 'acme-1' }, { tenant: undefined }),
        401,
        'claim_missing',
      ],
      [
        'other tenant',
        await forge({ alg: 'EdDSA', kid: 'acme-1' }, { tenant: 'globex' }),
        403,
        'tenant_forbidden',
      ],
      ['unknown kid', await forge({ alg: 'EdDSA', kid: 'acme-9' }, {}), 401, 'unknown_kid'],
      [
        'tampered payload',
        `${gh}.${base64url.encode(JSON.stringify({ ...decodeJwt(good), scope: 'admin' }))}.${gs}`,
        401,
        'signature_invalid',
      ],
    ];
    for (const [name, token, status, code] of cases) {
      seen.push(token);
      const r = await call(h, '/v1/journal', { token });
      expect([name, r.status, r.json.error]).toEqual([name, status, code]);
      expect(r.text).not.toContain(token.slice(0, 30));
    }
    expect((await call(h, '/v1/journal', { token: good })).status).toBe(200);
    seen.push(good);
  });

  it('refuses an expired token and a token for another tenant', async () => {
    const t = await tok();
    h.clock.now += 661_000;
    const expired = await call(h, '/v1/readers', { token: t });
    h.clock.now -= 661_000;
    expect([expired.status, expired.json.error]).toEqual([401, 'token_expired']);
    const other = await call(h, '/v1/journal', { token: await tok({ tenant: 'globex' }) });
    expect([other.status, other.json.error]).toEqual([403, 'tenant_forbidden']);
  });

  it('enforces scopes: read tokens cannot administer, metrics needs its scope', async () => {
    const read = await tok({ scope: 'events:read' });
    const r = await call(h, '/v1/revocations', {
      method: 'POST',
      token: read,
      body: { badgeRef: 'ref-00000001', reason: 'lost' },
    });
    expect([r.status, r.json.error]).toEqual([403, 'scope_forbidden']);
    expect((await call(h, '/v1/audit', { token: read })).status).toBe(403);
    expect((await call(h, '/metrics', { token: read })).status).toBe(403);
    const none = await tok({ scope: 'metrics' });
    expect((await call(h, '/v1/journal', { token: none })).status).toBe(403);
    expect((await call(h, '/metrics', { token: none })).status).toBe(200);
  });

  it('answers unknown paths with 404 and wrong methods with 405 before checking a token', async () => {
    expect((await call(h, '/v2/x')).json.error).toBe('not_found');
    expect((await call(h, '/v1/readers', { method: 'DELETE' })).json.error).toBe('method_not_allowed');
  });
});

describe('tenant isolation', () => {
  it('shows each tenant only its own journal, readers and audit trail', async () => {
    const a = await call(h, '/v1/journal?limit=100', { token: await tok() });
    const g = await call(h, '/v1/journal?limit=100', { token: await tok({}, 'globex') });
    expect(a.json.events.map((e: { id: string }) => e.id).every((id: string) => id.includes(':acme:'))).toBe(
      true,
    );
    expect(
      g.json.events.map((e: { id: string }) => e.id).every((id: string) => id.includes(':globex:')),
    ).toBe(true);
    expect(a.json.events).toHaveLength(5);
    expect(g.json.events).toHaveLength(4);
    expect(h.stores.pathOf('acme')).not.toBe(h.stores.pathOf('globex'));
    const ra = await call(h, '/v1/readers', { token: await tok() });
    expect(ra.json.readers.map((r: { id: string }) => r.id)).toEqual(['door-1']);
    expect((await call(h, '/v1/readers/lead-9', { token: await tok() })).status).toBe(404);
    expect((await call(h, '/v1/readers/lead-9', { token: await tok({}, 'globex') })).json.health.rssi).toBe(
      -71,
    );
  });

  it("never streams another tenant's events", async () => {
    const s = openStream(h, '/v1/events', await tok({}, 'globex'));
    await s.waitFor(4);
    await append('acme', 2);
    await append('globex', 1, 'lead', 'lead-9');
    await s.waitFor(5);
    s.abort();
    expect(s.events.every((e) => JSON.parse(e.data).id.includes(':globex:'))).toBe(true);
  });
});

describe('journal queries', () => {
  it('paginates by position with kind and reader filters and a before bound', async () => {
    const t = await tok();
    const p1 = await call(h, '/v1/journal?limit=2', { token: t });
    expect(p1.json.events.map((e: { pos: number }) => e.pos)).toEqual([1, 2]);
    const p2 = await call(h, `/v1/journal?limit=2&after=${p1.json.next}`, { token: t });
    expect(p2.json.events.map((e: { pos: number }) => e.pos)).toEqual([3, 4]);
    const k = await call(h, '/v1/journal?kind=sighting', { token: t });
    expect(k.json.events.map((e: { kind: string }) => e.kind)).toEqual(['sighting', 'sighting']);
    expect(k.json.next).toBeNull();
    const r = await call(h, '/v1/journal?reader=door-2&limit=1', { token: t });
    expect(r.json.events[0].readerId).toBe('door-2');
    const b = await call(h, '/v1/journal?after=1&before=4', { token: t });
    expect(b.json.events.map((e: { pos: number }) => e.pos)).toEqual([2, 3]);
  });

  it.each([['limit=0'], ['limit=5000'], ['after=-1'], ['kind=nope'], ['reader=../x']])(
    'refuses ?%s',
    async (q) => {
      const r = await call(h, `/v1/journal?${q}`, { token: await tok() });
      expect([r.status, r.json.error]).toEqual([400, 'invalid_query']);
    },
  );
});

describe('administrative updates and the audit trail', () => {
  it('validates, records in the audit trail, then hands entitlements and revocations to the policy sink', async () => {
    const t = await tok({ scope: 'admin' });
    const e = await call(h, '/v1/entitlements', {
      method: 'POST',
      token: t,
      body: {
        badgeRef: 'att_7Hq2xv9LmP',
        doors: ['main', 'hall-b'],
        validFrom: h.clock.now,
        validUntil: h.clock.now + 86_400_000,
      },
    });
    expect(e.status).toBe(201);
    const r = await call(h, '/v1/revocations', {
      method: 'POST',
      token: t,
      body: { badgeRef: 'att_7Hq2xv9LmP', reason: 'lost' },
    });
    expect(r.status).toBe(201);
    expect(h.sink.entitlements[0]).toEqual([
      'acme',
      expect.objectContaining({ badgeRef: 'att_7Hq2xv9LmP', doors: ['main', 'hall-b'] }),
    ]);
    expect(h.sink.revocations[0]).toEqual([
      'acme',
      expect.objectContaining({ reason: 'lost', effectiveAt: h.clock.now }),
    ]);
    const audit = await call(h, '/v1/audit', { token: t });
    expect(audit.json.entries.map((x: { action: string }) => x.action)).toEqual([
      'entitlement.set',
      'badge.revoke',
    ]);
    expect(audit.text).not.toContain('att_7Hq2xv9LmP');
    expect(audit.json.entries[1].prev).toBe(audit.json.entries[0].hash);
    const verify = await call(h, '/v1/audit/verify', { token: t });
    expect(verify.json).toMatchObject({ ok: true, count: 2 });
    const head = await call(h, '/v1/audit/head', { token: t });
    expect(head.json).toEqual(verify.json.head);
    // globex has its own, empty trail
    expect((await call(h, '/v1/audit/head', { token: await tok({ scope: 'admin' }, 'globex') })).status).toBe(
      403,
    );
  });

  it.each([
    [
      'unknown field carrying PII',
      { badgeRef: 'att_7Hq2xv9LmP', reason: 'lost', email: 'a@b.example' },
      422,
      'invalid_body',
    ],
    ['bad reason', { badgeRef: 'att_7Hq2xv9LmP', reason: 'because' }, 422, 'invalid_body'],
    ['short ref', { badgeRef: 'x', reason: 'lost' }, 422, 'invalid_body'],
    ['array body', [1], 422, 'invalid_body'],
  ])('refuses a revocation with %s', async (_n, body, status, code) => {
    const before = h.sink.revocations.length;
    const r = await call(h, '/v1/revocations', {
      method: 'POST',
      token: await tok({ scope: 'admin' }),
      body,
    });
    expect([r.status, r.json.error]).toEqual([status, code]);
    expect(h.sink.revocations.length).toBe(before);
  });

  it('refuses invalid JSON, an oversized body and an inverted validity window', async () => {
    const t = await tok({ scope: 'admin' });
    expect(
      (await call(h, '/v1/revocations', { method: 'POST', token: t, raw: '{"badgeRef":' })).json.error,
    ).toBe('bad_json');
    const big = await call(h, '/v1/revocations', {
      method: 'POST',
      token: t,
      raw: `"${'x'.repeat(70_000)}"`,
    }).catch(() => ({ status: 413 }));
    expect(big.status).toBe(413);
    const inv = await call(h, '/v1/entitlements', {
      method: 'POST',
      token: t,
      body: { badgeRef: 'att_7Hq2xv9LmP', doors: ['main'], validFrom: 10, validUntil: 5 },
    });
    expect(inv.json.message).toMatch(/validUntil/);
  });
});

describe('metrics', () => {
  it('exposes Prometheus text with request and auth-failure counters', async () => {
    const r = await call(h, '/metrics', { token: await tok({ scope: 'metrics' }) });
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(r.text).toMatch(/^# TYPE badgewire_api_requests_total counter$/m);
    expect(r.text).toMatch(/^badgewire_api_requests_total\{route="\/v1\/journal",status="200"\} \d+$/m);
    expect(r.text).toMatch(/^badgewire_api_auth_failures_total\{code="token_expired"\} [1-9]\d*$/m);
    expect(r.text).toMatch(/^badgewire_api_tls_handshake_failures_total [1-9]\d*$/m);
    for (const line of r.text.trim().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|[a-zA-Z_:][\w:]*(\{[^}]*\})? -?\d+(\.\d+)?)$/);
    }
  });
});

describe('logs', () => {
  it('never contain a token, a signature or a badge reference', () => {
    const all = h.logs.join('');
    expect(h.logs.length).toBeGreaterThan(20);
    expect(all).toContain('"route":"/v1/journal"');
    for (const t of seen) {
      for (const part of t.split('.').filter((p) => p.length >= 8)) expect(all).not.toContain(part);
    }
    expect(all).not.toContain('att_7Hq2xv9LmP');
    expect(all).not.toMatch(/authorization|bearer/i);
  });
});
