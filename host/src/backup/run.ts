/**
 * One backup round: every configured tenant's journal (snapshot, prune by policy), the bridge's own state
 * (API audit trails, API clients, reader records: ./host-state), then a copy of the sealed key store.
 */
import type { TenantStores } from '../journal/index';
import type { KeyStore } from '../keys/index';
import { type HostStatePaths, snapshotHostState } from './host-state';
import type { RetentionPolicy } from './retention';
import { backupKeyStore, pruneSnapshots, snapshotTenant } from './snapshot';

export interface BackupPlan {
  tenants: string[];
  dir: string;
  retention: RetentionPolicy;
  /** Where the bridge's own state lives; absent: journals and key store only. */
  host?: HostStatePaths;
}

export async function backupAll(
  plan: BackupPlan,
  ks: KeyStore,
  stores: TenantStores,
  now: () => number,
): Promise<string[]> {
  const written: string[] = [];
  for (const tenant of plan.tenants) {
    const s = await snapshotTenant(stores.get(tenant), plan.dir, ks.backupKey(), now);
    written.push(s.path);
    pruneSnapshots(plan.dir, tenant, plan.retention);
  }
  if (plan.host) written.push(snapshotHostState(plan.host, plan.dir, ks.backupKey(), plan.retention, now));
  written.push(backupKeyStore(ks.path, plan.dir, now));
  return written;
}
