/**
 * Tenant access for the API: each customer's own journal (its own database file, opened by the journal
 * module's per-tenant stores) and its own audit trail file. The tenant id comes only from a verified token
 * and becomes a path segment, so it must match the journal's closed alphabet first.
 */
import { join } from 'node:path';
import { TENANT_ID } from '../journal/tenants';
import type { Journal } from '../journal/types';
import { type AuditTrail, openAuditTrail } from './audit';

export function isTenantId(s: string): boolean {
  return TENANT_ID.test(s);
}

export interface ApiTenants {
  journal(tenant: string): Journal;
  audit(tenant: string): AuditTrail;
}

export interface ApiTenantOptions {
  /** Audit trails live in `<dataDir>/audit/<tenant>.jsonl`. */
  dataDir: string;
  /** The tenant's journal, e.g. `(t) => stores.get(t).journal` over the journal's `TenantStores`. */
  openJournal: (tenant: string) => Journal;
  now: () => number;
}

export function createApiTenants(opts: ApiTenantOptions): ApiTenants {
  const audits = new Map<string, AuditTrail>();
  const check = (tenant: string) => {
    if (!isTenantId(tenant)) throw new Error('invalid tenant id');
  };
  return {
    journal(tenant) {
      check(tenant);
      return opts.openJournal(tenant);
    },
    audit(tenant) {
      check(tenant);
      let a = audits.get(tenant);
      if (!a)
        audits.set(tenant, (a = openAuditTrail(join(opts.dataDir, 'audit', `${tenant}.jsonl`), opts.now)));
      return a;
    },
  };
}
