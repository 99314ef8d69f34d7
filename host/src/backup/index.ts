/** Encrypted journal snapshots and their grandfather-father-son retention. */

export {
  type HostStateHeader,
  type HostStatePaths,
  isHostStateFile,
  openHostState,
  restoreHostState,
  snapshotHostState,
} from './host-state';
export type { RetentionPolicy, Snapshot } from './retention';
export { DEFAULT_RETENTION, isoWeek, planRetention } from './retention';
export type { BackupPlan } from './run';
export { backupAll } from './run';
export type { SnapshotHeader } from './snapshot';
export {
  backupKeyStore,
  listSnapshots,
  openSnapshot,
  pruneSnapshots,
  restoreTenant,
  snapshotTenant,
} from './snapshot';
