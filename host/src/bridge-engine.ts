/**
 * What the bridge hands the decision engine, built from the config and the key store: one AccessPolicy per
 * tenant (with the integrator's stored entitlements and revocations applied again on start), the engine's
 * view of each reader (role, door, zone, position, tap modes, lead owner), enrolments, and SUN setups.
 * Entitlement and revocation updates from the API are stored (sealed, in the tenant's SQLite file) before
 * they take effect, so an update the API acknowledged survives a restart.
 */
import { readFileSync } from 'node:fs';
import { deriveSunKeys, fastAes, fromHex } from '@badgewire/protocol';
import { AccessPolicy } from './access/index';
import { PolicyStore } from './access/policy-store';
import type { RevocationSchedule } from './access/revocation-schedule';
import type { PolicySink } from './api/index';
import { LINK_ID } from './bridge-readers';
import type { BridgeConfig } from './config/index';
import { type EngineEnrolment, type EngineReader, readEnrolmentFile, type SunSetup } from './engine/index';
import { BadgewireError } from './errors';
import type { TenantStores } from './journal/index';
import type { KeyStore } from './keys/index';
import type { Logger } from './log/index';

export function policiesFor(config: BridgeConfig): Map<string, AccessPolicy> {
  const doors = config.doors.map((d) => ({ id: d.id, zone: d.zone, from: null, mode: 'both' as const }));
  return new Map(config.tenants.map((t) => [t, new AccessPolicy({ doors, antiPassback: 'soft' })]));
}

export function policyStores(
  config: BridgeConfig,
  stores: TenantStores,
  keys: KeyStore,
  now: () => number,
): Map<string, PolicyStore> {
  return new Map(
    config.tenants.map((t) => [t, new PolicyStore(stores.get(t).db, t, keys.journalKey(t), now)]),
  );
}

function applyEntitlement(
  p: AccessPolicy,
  e: { ref: string; doors: string[]; validFrom: number; validUntil: number },
) {
  p.setEntitlement(e.ref, {
    zones: [],
    doors: e.doors,
    windows: [{ fromS: Math.floor(e.validFrom / 1000), untilS: Math.floor(e.validUntil / 1000) }],
  });
}

/** Re-applies every stored update (after the engine enrolled its badges: a revocation names one). */
export function restorePolicies(
  saved: ReadonlyMap<string, PolicyStore>,
  policies: ReadonlyMap<string, AccessPolicy>,
  revocations: RevocationSchedule,
  log: Logger,
): void {
  for (const [tenant, store] of saved) {
    const p = policies.get(tenant);
    if (!p) continue;
    const ents = store.entitlements();
    for (const e of ents) applyEntitlement(p, e);
    const revs = store.revocations();
    let scheduled = 0;
    for (const r of revs)
      if (revocations.add(tenant, r.ref, r.effectiveAt).state === 'scheduled') scheduled++;
    log.info(
      { tenant, entitlements: ents.length, revocations: revs.length, scheduled },
      'stored policy updates applied',
    );
  }
}

/**
 * API updates -> stored -> the tenant's AccessPolicy (entitlements arrive per door with one validity window);
 * revocations also reach the resolver through the engine (at their `effectiveAt`, see RevocationSchedule), so a
 * revoked badge is refused by name.
 */
export function policySink(
  policies: ReadonlyMap<string, AccessPolicy>,
  saved: ReadonlyMap<string, PolicyStore>,
  revocations: RevocationSchedule,
): PolicySink {
  const of = (tenant: string) => {
    const p = policies.get(tenant);
    const s = saved.get(tenant);
    if (!p || !s) throw new BadgewireError('E_TENANT_ID', 'tenant is not configured on this bridge', {});
    return { p, s };
  };
  return {
    async entitlement(tenant, e) {
      const { p, s } = of(tenant);
      const stored = { ref: e.badgeRef, doors: e.doors, validFrom: e.validFrom, validUntil: e.validUntil };
      s.putEntitlement(stored);
      applyEntitlement(p, stored);
    },
    async revocation(tenant, r) {
      const { s } = of(tenant);
      // Stored before it takes effect; a second update never moves a revocation later.
      const at = revocations.peek(tenant, r.badgeRef, r.effectiveAt);
      s.putRevocation({ ref: r.badgeRef, reason: r.reason, effectiveAt: at });
      revocations.add(tenant, r.badgeRef, at);
    },
  };
}

export function engineReaders(config: BridgeConfig): EngineReader[] {
  return config.readers
    .filter((r) => LINK_ID.test(r.id))
    .map((r) => {
      const e: EngineReader = { id: r.id, tenant: r.tenant, role: r.role };
      if (r.door) e.door = r.door;
      if (r.zone) e.zone = r.zone;
      if (r.position) {
        e.x = r.position.x;
        e.y = r.position.y;
      }
      if (r.tapModes) e.modes = [...r.tapModes];
      if (r.exhibitor) e.exhibitor = r.exhibitor;
      return e;
    });
}

export function enrolmentOf(config: BridgeConfig, keys: KeyStore): Map<string, EngineEnrolment> {
  const out = new Map<string, EngineEnrolment>();
  for (const [tenant, file] of Object.entries(config.enrolment)) {
    const f = readEnrolmentFile(file);
    out.set(tenant, { keys, masterKeyId: f.masterKeyId, badges: f.badges });
  }
  return out;
}

function readTags(file: string): Map<string, string> {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new BadgewireError('E_CONFIG_READ', 'the SUN tags file is missing or not JSON', { path: file });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new BadgewireError(
      'E_CONFIG_INVALID',
      'the SUN tags file must map "sun:<tag ref>" to an attendee ref',
      {
        path: file,
      },
    );
  const out = new Map<string, string>();
  for (const [k, ref] of Object.entries(v)) {
    if (!/^sun:[0-9a-f]{16}$/.test(k) || typeof ref !== 'string' || ref.length === 0)
      throw new BadgewireError(
        'E_CONFIG_INVALID',
        'a SUN tags entry must be "sun:<16 hex>": "<attendee ref>"',
        {
          path: file,
        },
      );
    out.set(k, ref);
  }
  return out;
}

/** SUN keys per tenant, derived from the configured (or enrolment) event master key in the key store. */
export function sunOf(
  config: BridgeConfig,
  keys: KeyStore,
  enrolment: ReadonlyMap<string, EngineEnrolment>,
): Map<string, SunSetup> {
  const out = new Map<string, SunSetup>();
  for (const [tenant, s] of Object.entries(config.sun)) {
    const mkId = s.masterKeyId ?? enrolment.get(tenant)?.masterKeyId;
    if (!mkId)
      throw new BadgewireError('E_CONFIG_INVALID', 'SUN needs an event master key for this tenant', {
        tenant,
      });
    const setup: SunSetup = { keys: deriveSunKeys(fastAes, keys.masterKey(mkId)), suffix: fromHex(s.suffix) };
    if (s.tags) setup.refs = readTags(s.tags);
    out.set(tenant, setup);
  }
  return out;
}
