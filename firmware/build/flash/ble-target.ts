/**
 * `--ble ADDRESS|NAME`: a board is found by its address, or by the name it advertises ("Puck.js 1a2b"), with a
 * short scan on the adapter's noble instance. Typed structurally so the firmware tooling needs neither noble
 * nor the host package; the CLI passes host's BleAdapter.
 */
import { FlashError } from './errors';

interface Advert {
  address: string;
  rssi?: number;
  advertisement?: { localName?: string };
}

export interface ScanningNoble {
  on(ev: 'discover', cb: (p: Advert) => void): unknown;
  removeListener(ev: 'discover', cb: (p: Advert) => void): unknown;
  startScanningAsync(uuids?: string[], dup?: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
}

const ADDRESS = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;

/** Names and addresses of advertising devices heard within `ms`. */
export async function scanBle(
  noble: ScanningNoble,
  ms: number,
): Promise<{ address: string; name: string; rssi?: number }[]> {
  const seen = new Map<string, { address: string; name: string; rssi?: number }>();
  const cb = (p: Advert) => {
    const name = p.advertisement?.localName ?? '';
    if (name || !seen.has(p.address)) seen.set(p.address, { address: p.address, name, rssi: p.rssi });
  };
  noble.on('discover', cb);
  try {
    await noble.startScanningAsync([], true);
    await new Promise((r) => setTimeout(r, ms));
    await noble.stopScanningAsync();
  } finally {
    noble.removeListener('discover', cb);
  }
  return [...seen.values()];
}

/** The address to connect to: the target itself, or the one device advertising that name. */
export async function resolveBleTarget(noble: ScanningNoble, target: string, ms = 4000): Promise<string> {
  if (ADDRESS.test(target)) return target.toLowerCase();
  const hits = (await scanBle(noble, ms)).filter((d) => d.name === target);
  if (hits.length === 1) return (hits[0] as { address: string }).address;
  throw new FlashError(
    'E_FLASH_USAGE',
    hits.length === 0
      ? `no BLE device advertising "${target}" within ${ms} ms: check it is powered and not connected elsewhere`
      : `${hits.length} devices advertise "${target}": pass the address from badgewire firmware list`,
  );
}
