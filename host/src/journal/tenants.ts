/**
 * Per-tenant stores: ONE SQLite file per tenant under `<dataDir>/tenants/<id>.db`, each with its own journal
 * data key. A tenant id must match a strict pattern before it is ever joined into a path, the resolved path is
 * checked to sit directly in the tenants directory, and the file itself remembers its tenant (./db), so no id
 * and no renamed file can make one tenant's handle read another tenant's data.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BadgewireError } from '../errors';
import type { Logger } from '../log/index';
import { type Db, openTenantDb } from './db';
import { SqliteJournal } from './journal';
import { SqliteReplayStore } from './replay-store';

/** Lowercase letters, digits and inner hyphens, 1..32 chars: safe as a file name on every platform. */
export const TENANT_ID = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** Where journal data keys come from (the key store implements it: one 32-byte key per tenant). */
export interface JournalKeySource {
  journalKey(tenant: string): Uint8Array;
}

export function assertTenantId(tenant: unknown): asserts tenant is string {
  if (typeof tenant !== 'string' || !TENANT_ID.test(tenant)) {
    throw new BadgewireError('E_TENANT_ID', 'tenant id must be 1-32 chars of a-z, 0-9 and inner hyphens', {});
  }
}

export interface TenantStore {
  readonly tenant: string;
  readonly path: string;
  readonly db: Db;
  readonly journal: SqliteJournal;
  readonly replay: SqliteReplayStore;
  close(): Promise<void>;
}

export interface TenantStoresOptions {
  dataDir: string;
  keys: JournalKeySource;
  windowMs?: number;
  maxBatch?: number;
  logger?: Logger;
}

export class TenantStores {
  private readonly dir: string;
  private readonly open = new Map<string, TenantStore>();

  constructor(private readonly opts: TenantStoresOptions) {
    this.dir = resolve(opts.dataDir, 'tenants');
  }

  /** The file of `tenant` (validated). */
  pathOf(tenant: string): string {
    assertTenantId(tenant);
    const p = resolve(this.dir, `${tenant}.db`);
    if (dirname(p) !== this.dir)
      throw new BadgewireError('E_TENANT_ID', 'tenant path escapes the data dir', {});
    return p;
  }

  /** The tenant's store, opened (and created) on first use, then shared. */
  get(tenant: string): TenantStore {
    const path = this.pathOf(tenant);
    const have = this.open.get(tenant);
    if (have) return have;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const key = this.opts.keys.journalKey(tenant);
    const db = openTenantDb(path, tenant);
    const journal = new SqliteJournal(db, {
      tenant,
      dataKey: key,
      windowMs: this.opts.windowMs,
      maxBatch: this.opts.maxBatch,
      logger: this.opts.logger,
    });
    const replay = new SqliteReplayStore(db, key, journal);
    const store: TenantStore = {
      tenant,
      path,
      db,
      journal,
      replay,
      close: async () => {
        if (this.open.get(tenant) !== store) return;
        this.open.delete(tenant);
        await journal.close();
        db.close();
      },
    };
    this.open.set(tenant, store);
    return store;
  }

  isOpen(tenant: string): boolean {
    return this.open.has(tenant);
  }

  /** Tenants with a file on disk. */
  list(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith('.db'))
      .map((n) => n.slice(0, -3))
      .filter((t) => TENANT_ID.test(t))
      .sort();
  }

  async closeAll(): Promise<void> {
    for (const s of [...this.open.values()]) await s.close();
  }
}
