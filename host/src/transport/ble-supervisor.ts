/**
 * Keeps BLE readers connected: one shared adapter (noble is loaded on the first `get`, so a bridge without BLE
 * readers never loads it; a lost adapter is reopened on the next attempt), and per reader a loop of
 * find (by advertised name, when configured so) -> connect -> hand the link on -> wait for it to close ->
 * back off (exponential with jitter, reset after a connection that held) -> again. A badge scan (the bridge
 * machine as its own reader) is kept running the same way across adapter losses.
 */
import type { Link } from '@badgewire/protocol';
import { type BadgeAdvert, type BadgeScan, type BadgeScanOptions, BleAdapter, type BleOptions } from './ble';
import { TransportError } from './errors';

export interface BleAdapterHandle {
  /** The open adapter, opening (or reopening after a loss) as needed. */
  get(): Promise<BleAdapter>;
  close(): void;
}

export function sharedBleAdapter(opts: BleOptions, open = BleAdapter.open): BleAdapterHandle {
  let current: Promise<BleAdapter> | null = null;
  let closed = false;
  return {
    get() {
      if (closed)
        return Promise.reject(new TransportError('E_BLE_UNAVAILABLE', 'BLE is stopped', 'restart', false));
      if (!current) {
        const p = open(opts);
        current = p;
        p.then(
          (a) => {
            if (closed) a.close();
            a.onLost(() => {
              if (current === p) current = null;
              a.close();
            });
          },
          () => {
            if (current === p) current = null;
          },
        );
      }
      return current;
    },
    close() {
      closed = true;
      const p = current;
      current = null;
      p?.then(
        (a) => a.close(),
        () => undefined,
      );
    },
  };
}

export interface BleReaderTarget {
  address?: string;
  name?: string;
  addressType: 'public' | 'random';
}

export interface BleSupervisorOptions {
  adapter: BleAdapterHandle;
  target: BleReaderTarget;
  connectTimeoutMs: number;
  reconnect: { minMs: number; maxMs: number };
  onLink(link: Link): void;
  onError(err: TransportError): void;
  /** [0, 1): jitter source (tests pass a fixed one). */
  random?: () => number;
}

export interface BleSupervisor {
  /** Connections made so far. */
  readonly connects: number;
  stop(): void;
}

const HELD_MS = 10_000;

function asTransportError(e: unknown): TransportError {
  if (e instanceof TransportError) return e;
  return new TransportError('E_BLE_CONNECT', String((e as Error)?.message ?? e), 'retrying', true);
}

/** Exponential backoff between attempts, reset by `reset()` after a connection that held. */
function retrier(reconnect: { minMs: number; maxMs: number }, random: () => number, attempt: () => void) {
  let delay = reconnect.minMs;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  return {
    later() {
      if (stopped) return;
      // Full jitter over the upper half: readers that dropped together (a venue power blip) spread out.
      const wait = Math.round(delay / 2 + (random() * delay) / 2);
      delay = Math.min(reconnect.maxMs, delay * 2);
      timer = setTimeout(attempt, wait);
      timer.unref();
    },
    reset() {
      delay = reconnect.minMs;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

export function superviseBle(o: BleSupervisorOptions): BleSupervisor {
  let stopped = false;
  let link: Link | null = null;
  let connects = 0;
  const retry = retrier(o.reconnect, o.random ?? Math.random, () => void attempt());
  const later = retry.later;

  const attempt = async () => {
    if (stopped) return;
    try {
      const adapter = await o.adapter.get();
      let address = o.target.address;
      let addressType = o.target.addressType;
      if (address === undefined) {
        const found = await adapter.findByName(o.target.name ?? '', o.connectTimeoutMs);
        address = found.address;
        addressType = found.addressType;
      }
      const l = await adapter.connect(address, { addressType, timeoutMs: o.connectTimeoutMs });
      if (stopped) {
        l.close();
        return;
      }
      connects++;
      link = l;
      const upAt = Date.now();
      l.onClose(() => {
        if (link === l) link = null;
        if (Date.now() - upAt >= HELD_MS) retry.reset();
        later();
      });
      o.onLink(l);
    } catch (e) {
      if (stopped) return;
      o.onError(asTransportError(e));
      later();
    }
  };

  setImmediate(attempt);
  return {
    get connects() {
      return connects;
    },
    stop() {
      stopped = true;
      retry.stop();
      link?.close();
      link = null;
    },
  };
}

export interface BleScanSupervisorOptions {
  adapter: BleAdapterHandle;
  scan: BadgeScanOptions;
  reconnect: { minMs: number; maxMs: number };
  onAdvert(a: BadgeAdvert): void;
  onError(err: TransportError): void;
  random?: () => number;
}

export interface BleScanSupervisor {
  /** Times a scan was started (more than one: the adapter was lost and reopened). */
  readonly starts: number;
  /** A scan is running now. */
  readonly scanning: boolean;
  stop(): void;
}

/** Keeps a badge scan running on the shared adapter, restarting it on a reopened adapter after a loss. */
export function superviseBleScan(o: BleScanSupervisorOptions): BleScanSupervisor {
  let stopped = false;
  let scan: BadgeScan | null = null;
  let starts = 0;
  const retry = retrier(o.reconnect, o.random ?? Math.random, () => void attempt());
  const later = retry.later;
  const attempt = async () => {
    if (stopped) return;
    try {
      const adapter = await o.adapter.get();
      if (stopped) return;
      const s = adapter.scanBadges(o.onAdvert, o.scan);
      scan = s;
      starts++;
      retry.reset();
      adapter.onLost(() => {
        s.stop();
        if (scan === s) scan = null;
        o.onError(
          new TransportError('E_BLE_NO_ADAPTER', 'the BLE adapter was lost while scanning', 'retrying', true),
        );
        later();
      });
    } catch (e) {
      if (stopped) return;
      o.onError(asTransportError(e));
      later();
    }
  };
  setImmediate(attempt);
  return {
    get starts() {
      return starts;
    },
    get scanning() {
      return scan !== null;
    },
    stop() {
      stopped = true;
      retry.stop();
      scan?.stop();
      scan = null;
    },
  };
}
