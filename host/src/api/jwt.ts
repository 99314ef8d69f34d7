/**
 * Bearer-token validation per RFC 7519 with jose: an algorithm allow-list pinned per client (so an
 * HS256 token "signed" with a public key never meets an HMAC verifier), issuer, audience, exp/nbf with a
 * bounded clock skew, required claims, a bounded lifetime, tenant binding and scopes.
 * Tokens are never logged or echoed: errors carry only a code and a generic message.
 */
import {
  type CryptoKey,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  exportJWK,
  importJWK,
  type JWK,
  jwtVerify,
} from 'jose';
import type { ApiClient, ClientActivityStore, JwtAlg } from './clients';
import { ApiError } from './errors';
import { isTenantId } from './tenants';

export interface Principal {
  iss: string;
  kid: string;
  sub: string;
  tenant: string;
  scopes: ReadonlySet<string>;
  /** Expiry in ms: long-lived streams close when the token they were opened with expires. */
  expMs: number;
}

export interface VerifierOptions {
  audience: string;
  clients: ApiClient[];
  activity: ClientActivityStore;
  now: () => number;
  /** Accepted skew for exp/nbf/iat (seconds); 60 by default. */
  clockToleranceSec?: number;
  /** A client unused for this long is refused (ms); 30 days by default. */
  inactivityMs?: number;
  /** Longest accepted exp - iat (seconds); 24 h by default, so a leaked token cannot live for years. */
  maxLifetimeSec?: number;
}

export const ALLOWED_ALGS: readonly JwtAlg[] = ['EdDSA', 'ES256', 'HS256'];
export const DAY_MS = 86_400_000;
const REQUIRED = ['exp', 'iat', 'sub', 'tenant', 'scope'];

export type TokenVerifier = (authorization: string | undefined) => Promise<Principal>;

export function createTokenVerifier(opts: VerifierOptions): TokenVerifier {
  const byKid = new Map<string, ApiClient[]>();
  for (const c of opts.clients) {
    if (!ALLOWED_ALGS.includes(c.alg))
      throw new Error(`client ${c.iss}/${c.kid}: alg ${c.alg} is not allowed`);
    if (c.alg === 'HS256' && !(c.key instanceof Uint8Array && c.key.length >= 32)) {
      throw new Error(`client ${c.iss}/${c.kid}: HS256 needs its own secret of at least 32 bytes`);
    }
    byKid.set(c.kid, [...(byKid.get(c.kid) ?? []), c]);
  }
  // jose runs on WebCrypto: a Node KeyObject or JWK is converted on every call unless imported once here.
  const keys = new Map<ApiClient, Promise<CryptoKey | Uint8Array>>();
  const keyOf = (c: ApiClient) => {
    let k = keys.get(c);
    if (!k) {
      k = importKey(c);
      keys.set(c, k);
    }
    return k;
  };
  const tolerance = opts.clockToleranceSec ?? 60;
  const inactivity = opts.inactivityMs ?? 30 * DAY_MS;
  const maxLifetime = opts.maxLifetimeSec ?? 86_400;

  return async (authorization) => {
    const token = bearer(authorization);
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverifiedIss: unknown;
    try {
      header = decodeProtectedHeader(token);
      unverifiedIss = decodeJwt(token).iss;
    } catch {
      throw new ApiError('token_malformed', 'the bearer token is not a compact JWS');
    }
    if (typeof header.alg !== 'string' || !(ALLOWED_ALGS as readonly string[]).includes(header.alg)) {
      throw new ApiError('alg_not_allowed', 'token algorithm is not allowed');
    }
    const candidates = typeof header.kid === 'string' ? byKid.get(header.kid) : undefined;
    if (!candidates) throw new ApiError('unknown_kid', 'token kid names no registered client');
    const client = candidates.find((c) => c.iss === unverifiedIss) ?? candidates[0]!;
    // Pinning one algorithm per key is what defeats key confusion (RFC 8725 §3.1).
    if (header.alg !== client.alg)
      throw new ApiError('alg_not_allowed', 'token algorithm does not match its key');

    const now = opts.now();
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload } = await jwtVerify(token, await keyOf(client), {
        algorithms: [client.alg],
        issuer: client.iss,
        audience: opts.audience,
        clockTolerance: tolerance,
        currentDate: new Date(now),
        requiredClaims: REQUIRED,
      }));
    } catch (e) {
      throw mapJoseError(e);
    }
    const exp = payload.exp as number;
    const iat = payload.iat as number;
    if (iat > now / 1000 + tolerance) throw new ApiError('claim_invalid', 'token iat is in the future');
    if (exp - iat > maxLifetime)
      throw new ApiError('claim_invalid', 'token lifetime exceeds the allowed maximum');

    const last = opts.activity.lastUsed(client.iss, client.kid) ?? client.registeredAt;
    if (now - last > inactivity) {
      throw new ApiError('client_inactive', 'this API client has been inactive too long and is disabled');
    }
    const tenant = payload['tenant'];
    if (typeof tenant !== 'string' || !isTenantId(tenant))
      throw new ApiError('claim_invalid', 'tenant claim is invalid');
    if (!client.tenants.includes(tenant))
      throw new ApiError('tenant_forbidden', 'this client may not act for that tenant');
    const scope = payload['scope'];
    if (typeof scope !== 'string') throw new ApiError('claim_invalid', 'scope claim must be a string');
    if (typeof payload.sub !== 'string') throw new ApiError('claim_invalid', 'sub claim must be a string');
    opts.activity.touch(client.iss, client.kid, now);
    const scopes = new Set(scope.split(' ').filter((s) => client.scopes.includes(s)));
    return { iss: client.iss, kid: client.kid, sub: payload.sub, tenant, scopes, expMs: exp * 1000 };
  };
}

async function importKey(c: ApiClient): Promise<CryptoKey | Uint8Array> {
  if (c.key instanceof Uint8Array) return c.key;
  if ('algorithm' in c.key && 'usages' in c.key) return c.key as CryptoKey;
  const jwk = 'kty' in c.key ? c.key : await exportJWK(c.key as Exclude<ApiClient['key'], JWK | Uint8Array>);
  return (await importJWK(jwk, c.alg)) as CryptoKey;
}

function bearer(authorization: string | undefined): string {
  if (!authorization) throw new ApiError('token_missing', 'an Authorization: Bearer token is required');
  const m = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(authorization);
  if (!m) throw new ApiError('token_malformed', 'Authorization must be "Bearer <compact JWS>"');
  return m[1]!;
}

function mapJoseError(e: unknown): ApiError {
  if (e instanceof errors.JWTExpired) return new ApiError('token_expired', 'token has expired');
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.reason === 'missing')
      return new ApiError('claim_missing', `required claim "${e.claim}" is missing`);
    if (e.claim === 'nbf') return new ApiError('token_not_yet_valid', 'token is not yet valid');
    if (e.claim === 'iss') return new ApiError('issuer_invalid', 'token issuer is not accepted');
    if (e.claim === 'aud') return new ApiError('audience_invalid', 'token audience is not this API');
    return new ApiError('claim_invalid', `claim "${e.claim}" is invalid`);
  }
  if (e instanceof errors.JWSSignatureVerificationFailed)
    return new ApiError('signature_invalid', 'token signature is invalid');
  if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported) {
    return new ApiError('alg_not_allowed', 'token algorithm is not allowed');
  }
  return new ApiError('token_malformed', 'token could not be validated');
}
