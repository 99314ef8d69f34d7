/**
 * What the API needs from the reader sessions (implemented in host/src/readers): a read-only view of
 * the readers a tenant may see and their health.
 */

export type ReaderLinkState = 'online' | 'offline' | 'connecting' | 'error';

export interface ReaderHealth {
  /** Last link RSSI in dBm (BLE readers). */
  rssi?: number;
  /** Battery or supply level in percent. */
  batteryPct?: number;
  firmware?: string;
  tamper?: boolean;
  /** Frames dropped on the link since the session started. */
  linkErrors?: number;
}

export interface ReaderInfo {
  id: string;
  transport: 'serial' | 'ble' | 'sim';
  state: ReaderLinkState;
  /** ms since the epoch of the last frame from this reader. */
  lastSeen?: number;
  doorId?: string;
  health: ReaderHealth;
}

export interface ReaderRegistry {
  /** Readers visible to `tenant` (an implementation serving one tenant may ignore the argument). */
  list(tenant: string): ReaderInfo[];
  get(tenant: string, id: string): ReaderInfo | undefined;
}
