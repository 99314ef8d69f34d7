/**
 * API clients from a JSON file the operator maintains: one entry per (iss, kid) with a public JWK
 * (EdDSA/ES256) or, for HS256, the name of an environment variable holding that client's own secret.
 * Secrets are never inline, and a JWK that carries private material is refused.
 */
import { readFileSync } from 'node:fs';
import { base64url, importJWK, type JWK } from 'jose';
import type { ApiClient, JwtAlg } from './clients';
import { ALLOWED_ALGS } from './jwt';
import { isTenantId } from './tenants';

export class ClientConfigError extends Error {
  constructor(
    readonly code: 'clients_unreadable' | 'clients_invalid',
    message: string,
  ) {
    super(message);
    this.name = 'ClientConfigError';
  }
}

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
const CURVE_OF: Record<string, string> = { EdDSA: 'Ed25519', ES256: 'P-256' };

export async function parseApiClients(json: unknown, env: NodeJS.ProcessEnv): Promise<ApiClient[]> {
  if (!Array.isArray(json))
    throw new ClientConfigError('clients_invalid', 'the clients file must hold a JSON array');
  const out: ApiClient[] = [];
  for (let i = 0; i < json.length; i++) {
    const e = json[i] as Record<string, unknown>;
    const bad = (why: string): never => {
      throw new ClientConfigError('clients_invalid', `clients[${i}]: ${why}`);
    };
    if (typeof e !== 'object' || e === null) bad('must be an object');
    const { iss, kid, alg, tenants, scopes, registeredAt } = e;
    if (typeof iss !== 'string' || iss.length === 0) bad('iss must be a non-empty string');
    if (typeof kid !== 'string' || kid.length === 0) bad('kid must be a non-empty string');
    if (typeof alg !== 'string' || !(ALLOWED_ALGS as readonly string[]).includes(alg)) {
      bad(`alg must be one of ${ALLOWED_ALGS.join(', ')}`);
    }
    if (
      !Array.isArray(tenants) ||
      tenants.length === 0 ||
      !tenants.every((t) => typeof t === 'string' && isTenantId(t))
    ) {
      bad('tenants must list valid tenant ids');
    }
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) bad('scopes must be strings');
    const reg = typeof registeredAt === 'string' ? Date.parse(registeredAt) : Number.NaN;
    if (Number.isNaN(reg)) bad('registeredAt must be an ISO date');
    let key: ApiClient['key'];
    if (alg === 'HS256') {
      const name = e['secretEnv'];
      if (typeof name !== 'string') bad('HS256 needs secretEnv naming an environment variable');
      const raw = env[name as string];
      if (!raw) bad(`environment variable ${name} is not set`);
      key = base64url.decode(raw as string);
      if (key.length < 32) bad(`${name} must hold at least 32 bytes (base64url)`);
    } else {
      const jwk = e['jwk'] as JWK | undefined;
      if (typeof jwk !== 'object' || jwk === null) bad('jwk (public key) is required');
      const j = jwk as JWK;
      if (PRIVATE_JWK_MEMBERS.some((m) => m in j))
        bad('jwk carries private key material; give the public key only');
      if (j.crv !== CURVE_OF[alg as string]) bad(`jwk curve must be ${CURVE_OF[alg as string]} for ${alg}`);
      key = (await importJWK(j, alg as string)) as ApiClient['key'];
    }
    out.push({
      iss: iss as string,
      kid: kid as string,
      alg: alg as JwtAlg,
      key,
      tenants: tenants as string[],
      scopes: scopes as string[],
      registeredAt: reg,
    });
  }
  return out;
}

export async function loadApiClients(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ApiClient[]> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ClientConfigError(
      'clients_unreadable',
      `cannot read API clients from ${path} (${(e as NodeJS.ErrnoException).code ?? 'invalid JSON'})`,
    );
  }
  return parseApiClients(json, env);
}
