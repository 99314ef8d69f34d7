/**
 * The bridge's readers: which configured readers the hub manages (16-hex-digit link ids), how their links are
 * kept up (serial: the serial supervisor by path or USB id; BLE: one shared noble adapter, opened only when a
 * BLE reader is configured, and a reconnecting supervisor per reader; a `ble-scan` reader is the bridge
 * machine's own adapter scanning for badges, its sightings handed straight to the engine), and the API's
 * view of all of them.
 */

import type { Clock } from '@badgewire/protocol';
import type { ReaderInfo, ReaderRegistry } from './api/index';
import type { BridgeConfig, ReaderConfig } from './config/index';
import type { Logger } from './log/index';
import type { HubEvent, ReaderHub } from './readers/index';
import { LocalScanReader } from './readers/local-scan';
import {
  type BadgeScanOptions,
  type BleAdapterHandle,
  type BleScanSupervisor,
  type BleSupervisor,
  type SerialSupervisor,
  sharedBleAdapter,
  superviseBle,
  superviseBleScan,
  superviseSerial,
} from './transport/index';

export const LINK_ID = /^[0-9a-f]{16}$/;

/** The hub's view for readers it manages; configured readers it cannot manage are listed offline. */
export function readerRegistry(
  config: BridgeConfig,
  hub: ReaderHub,
  links: () => RunningReaders | null = () => null,
): ReaderRegistry {
  const info = (r: ReaderConfig): ReaderInfo => {
    const transport = r.transport.type === 'serial' ? 'serial' : 'ble';
    // The bridge's own scan has no session: it is online while the adapter scans.
    const scan = r.transport.type === 'ble-scan' ? links()?.scan : undefined;
    if (scan)
      return { id: r.id, transport, state: scan.supervisor.scanning ? 'online' : 'offline', health: {} };
    const live = hub.get(r.tenant, r.id);
    if (live) return { ...live, transport };
    const out: ReaderInfo = { id: r.id, transport, state: 'offline', health: {} };
    if (r.door) out.doorId = r.door;
    return out;
  };
  return {
    list: (tenant) => config.readers.filter((r) => r.tenant === tenant).map(info),
    get: (tenant, id) => {
      const r = config.readers.find((x) => x.tenant === tenant && x.id === id);
      return r ? info(r) : undefined;
    },
  };
}

export interface RunningReaders {
  serial: SerialSupervisor[];
  ble: BleSupervisor[];
  /** The bridge machine's own badge scan (a `ble-scan` reader), if configured. */
  scan: { supervisor: BleScanSupervisor; reader: LocalScanReader } | null;
  /** Null unless a BLE reader is configured (then noble is loaded on the first connection attempt). */
  adapter: BleAdapterHandle | null;
  stop(): void;
}

export interface ReaderStartOptions {
  /** Test seam: how the BLE adapter is opened (default BleAdapter.open, which loads noble). */
  openBle?: Parameters<typeof sharedBleAdapter>[1];
}

/** Where a `ble-scan` reader's sightings go (the decision engine's `handle`). */
export type LocalEvents = (ev: HubEvent) => Promise<void>;

export function startReaders(
  config: BridgeConfig,
  hub: ReaderHub,
  clock: Clock,
  log: Logger,
  local: LocalEvents,
  opts: ReaderStartOptions = {},
): RunningReaders {
  const out: RunningReaders = {
    serial: [],
    ble: [],
    scan: null,
    adapter: null,
    stop() {
      for (const s of out.serial) s.stop();
      for (const s of out.ble) s.stop();
      out.scan?.supervisor.stop();
      out.adapter?.close();
    },
  };
  for (const r of config.readers) {
    if (!LINK_ID.test(r.id)) {
      log.warn({ readerId: r.id }, 'reader id is not a 16-hex-digit link id: listed, not attached');
      continue;
    }
    hub.register(
      r.id,
      r.tenant,
      r.door ? { door: r.role === 'door', doorId: r.door } : { door: r.role === 'door' },
    );
    const t = r.transport;
    const onError = (err: { code: string }) =>
      log.warn({ readerId: r.id, code: err.code }, 'reader transport fault');
    if (t.type === 'serial') {
      out.serial.push(
        superviseSerial({
          ...('path' in t
            ? { path: t.path }
            : { match: [{ vendorId: t.vid, productId: t.pid, serialNumber: t.serialNumber }] }),
          baudRate: t.baudRate,
          clock,
          onLink: (link) => {
            hub.attach(link, 'serial');
          },
          onError,
        }),
      );
      continue;
    }
    const ble = config.ble;
    if (!ble) continue; // the validator gives every config with a BLE reader a `ble` section
    out.adapter ??= sharedBleAdapter(
      'hci' in ble.adapter
        ? { deviceId: ble.adapter.hci, poweredOnTimeoutMs: ble.connectTimeoutMs }
        : {
            uart: { port: ble.adapter.uart, baudRate: ble.adapter.baudRate },
            poweredOnTimeoutMs: ble.connectTimeoutMs,
          },
      opts.openBle,
    );
    if (t.type === 'ble-scan') {
      const reader = new LocalScanReader(
        r.id,
        r.tenant,
        local,
        (err) =>
          log.warn(
            { readerId: r.id, code: (err as { code?: string })?.code },
            'local scan sighting not journalled',
          ),
        t.dedupMs,
      );
      const scan: BadgeScanOptions = { watchdogMs: t.watchdogMs };
      if (t.companyId !== undefined) scan.companyId = t.companyId;
      out.scan = {
        reader,
        supervisor: superviseBleScan({
          adapter: out.adapter,
          scan,
          reconnect: ble.reconnect,
          onAdvert: (a) => reader.advert(a),
          onError,
        }),
      };
      continue;
    }
    out.ble.push(
      superviseBle({
        adapter: out.adapter,
        target: 'address' in t ? { address: t.address, addressType: t.addressType } : t,
        connectTimeoutMs: ble.connectTimeoutMs,
        reconnect: ble.reconnect,
        onLink: (link) => {
          log.info({ readerId: r.id }, 'BLE reader connected');
          hub.attach(link, 'ble');
        },
        onError,
      }),
    );
  }
  return out;
}
