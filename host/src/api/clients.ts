/**
 * API clients and their last use. A client unused for the inactivity period stops being accepted until
 * an operator re-enables it (a new `registeredAt`), like dormant accounts in the posture list.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CryptoKey, JWK, KeyObject } from 'jose';

export type JwtAlg = 'EdDSA' | 'ES256' | 'HS256';

export interface ApiClient {
  /** The `iss` the client's tokens must carry. */
  iss: string;
  /** The `kid` header naming this key. (iss, kid) identifies the client. */
  kid: string;
  alg: JwtAlg;
  /** Public key (EdDSA/ES256) or the client's own shared secret (HS256, at least 32 bytes). */
  key: KeyObject | CryptoKey | JWK | Uint8Array;
  /** Tenants this client may act for; a token naming another tenant is refused. */
  tenants: string[];
  /** Scopes this client may be granted; the token's `scope` is intersected with it. */
  scopes: string[];
  /** When the client was registered (ms); its inactivity period counts from here until first use. */
  registeredAt: number;
}

/** Persists last use per client; writes are throttled because only day-scale precision matters. */
export interface ClientActivityStore {
  lastUsed(iss: string, kid: string): number | undefined;
  touch(iss: string, kid: string, at: number): void;
}

const WRITE_EVERY_MS = 60_000;

export function clientKey(iss: string, kid: string): string {
  return `${iss}\u0000${kid}`;
}

/** A JSON file of `{ "<iss>\0<kid>": lastUsedMs }`, written atomically (temp file + rename). */
export function fileActivityStore(path: string): ClientActivityStore {
  let map: Record<string, number> = {};
  if (existsSync(path)) map = JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>;
  const persist = () => {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(`${path}.tmp`, JSON.stringify(map), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  };
  return {
    lastUsed: (iss, kid) => map[clientKey(iss, kid)],
    touch(iss, kid, at) {
      const k = clientKey(iss, kid);
      const prev = map[k];
      if (prev !== undefined && at - prev < WRITE_EVERY_MS) return;
      map[k] = at;
      persist();
    },
  };
}

export function memoryActivityStore(): ClientActivityStore {
  const map = new Map<string, number>();
  return {
    lastUsed: (iss, kid) => map.get(clientKey(iss, kid)),
    touch: (iss, kid, at) => void map.set(clientKey(iss, kid), at),
  };
}
