/**
 * Badge advertisement scanning for a bridge that is itself the reader. Duplicates are allowed (every rotating
 * frame matters), each report is handed on raw (manufacturer data + rssi, nothing parsed or stored here), and a
 * watchdog restarts a scan that has gone silent: some controllers stop reporting after a connection or a
 * firmware hiccup while still claiming to scan.
 */
import type { Noble, Peripheral } from '@stoprocent/noble';

export interface BadgeAdvert {
  address: string;
  addressType: 'public' | 'random';
  /** The manufacturer-specific AD field, company id first, byte for byte as received. */
  manufacturerData: Uint8Array;
  rssi: number;
  /** Host receive time, ms since the epoch. */
  at: number;
}

export interface BadgeScanOptions {
  /** Restart the scan after this long without a report. 0 = off. */
  watchdogMs?: number;
  /** Only pass adverts whose manufacturer data starts with this company id (little-endian on air). */
  companyId?: number;
}

export interface BadgeScan {
  stop(): void;
  /** Times the watchdog restarted a silent scan. */
  readonly restarts: number;
}

export function startBadgeScan(
  noble: Noble,
  onAdvert: (a: BadgeAdvert) => void,
  opts: BadgeScanOptions,
): BadgeScan {
  const watchdogMs = opts.watchdogMs ?? 30_000;
  let last = Date.now();
  let restarts = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const onDiscover = (p: Peripheral) => {
    last = Date.now();
    const md = p.advertisement?.manufacturerData;
    if (!md || md.length < 2) return;
    if (opts.companyId !== undefined && md.readUInt16LE(0) !== opts.companyId) return;
    onAdvert({
      address: p.address,
      addressType: p.addressType,
      manufacturerData: new Uint8Array(md),
      rssi: p.rssi,
      at: last,
    });
  };

  const arm = () => {
    if (stopped || watchdogMs <= 0) return;
    timer = setTimeout(
      () => {
        if (stopped) return;
        if (Date.now() - last >= watchdogMs) {
          restarts++;
          last = Date.now();
          noble.stopScanning(() => {
            if (!stopped) noble.startScanning([], true);
          });
        }
        arm();
      },
      Math.max(10, watchdogMs - (Date.now() - last)),
    );
  };

  noble.on('discover', onDiscover);
  noble.startScanning([], true);
  arm();
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      noble.removeListener('discover', onDiscover);
      noble.stopScanning();
    },
    get restarts() {
      return restarts;
    },
  };
}
