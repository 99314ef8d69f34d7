/** The durable journal: contract, SQLite implementation, per-tenant files and tap replay state. */

export type { Db } from './db';
export { openTenantDb, SCHEMA_VERSION } from './db';
export type { JournalOptions } from './journal';
export { SqliteJournal } from './journal';
export type { ReplayStore } from './replay-store';
export { SqliteReplayStore } from './replay-store';
export type { JournalKeySource, TenantStore, TenantStoresOptions } from './tenants';
export { assertTenantId, TENANT_ID, TenantStores } from './tenants';
export type * from './types';
