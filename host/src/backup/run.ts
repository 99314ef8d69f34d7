/** One backup round over every configured tenant: snapshot, prune by policy, then copy the sealed key store. */
import type { TenantStores } from '../journal/index';
import type { KeyStore } from '../keys/index';
import type { RetentionPolicy } from './retention';
import { backupKeyStore, pruneSnapshots, snapshotTenant } from './snapshot';

export interface BackupPlan {
  tenants: string[];
  dir: string;
  retention: RetentionPolicy;
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
  written.push(backupKeyStore(ks.path, plan.dir, now));
  return written;
}
