/**
 * `list` (which boards are attached, and what each is) and `doctor` (what on this machine stops flashing, and
 * the fix). Host-specific probing (serialport's list, noble, capabilities) is injected through DeviceDeps.
 */
import { accessSync, constants, readdirSync } from 'node:fs';
import type { DeviceDeps, DoctorCheck } from './cli';

const norm = (id: string | undefined) => (id ?? '').toLowerCase().replace(/^0x/, '').padStart(4, '0');

/** What an advertised name says about a board (Espruino boards advertise "<Board> abcd"). */
export function bleKind(name: string): string {
  if (/^puck\.?js/i.test(name)) return 'Puck.js (reader or badge)';
  if (/^mdbt42q/i.test(name)) return 'MDBT42Q (reader)';
  if (/^espruino|^pixl|^bangle/i.test(name)) return 'Espruino board';
  return 'unknown BLE device';
}

export interface ListedDevice {
  transport: 'serial' | 'ble';
  /** Port path or BLE address: what to pass to --port / --ble. */
  target: string;
  kind: string;
  detail: string;
}

export async function listDevices(
  deps: DeviceDeps,
  scanMs: number,
  warn: (l: string) => void = () => {},
): Promise<ListedDevice[]> {
  const out: ListedDevice[] = [];
  const ports = deps.listSerial
    ? await deps.listSerial().catch((e: Error) => {
        // serialport lists through udev on Linux; containers often lack udevadm.
        warn(
          `serial ports cannot be listed (${e.message}): pass --port /dev/ttyUSB0 or /dev/serial/by-id/...`,
        );
        return [];
      })
    : [];
  for (const p of ports) {
    const known = (deps.knownUsb ?? []).find(
      (k) => norm(k.vendorId) === norm(p.vendorId) && norm(k.productId) === norm(p.productId),
    );
    if (!known && !p.vendorId) continue; // built-in UARTs without USB ids are never a board
    out.push({
      transport: 'serial',
      target: p.path,
      kind: known ? known.board : 'unknown USB-serial device',
      detail: `USB ${norm(p.vendorId)}:${norm(p.productId)}${p.manufacturer ? ' ' + p.manufacturer : ''}`,
    });
  }
  if (scanMs > 0 && deps.scanBle) {
    const heard = await deps.scanBle(scanMs).catch((e: Error) => {
      warn(`no BLE scan: ${e.message} (run badgewire firmware doctor)`);
      return [];
    });
    for (const d of heard) {
      if (!d.name) continue;
      out.push({
        transport: 'ble',
        target: d.address,
        kind: bleKind(d.name),
        detail: `"${d.name}"${d.rssi === undefined ? '' : ` RSSI ${d.rssi}`}`,
      });
    }
  }
  return out;
}

export async function runList(
  deps: DeviceDeps,
  scanMs: number,
  log: (l: string) => void,
): Promise<ListedDevice[]> {
  const list = await listDevices(deps, scanMs, log);
  if (list.length === 0) log('no boards found (ptys and simulators are not listed: pass --port PATH)');
  for (const d of list)
    log(`${d.transport === 'serial' ? '--port' : '--ble '} ${d.target}  ${d.kind}  (${d.detail})`);
  return list;
}

/** Checks that need only Node: its version and access to the serial device nodes. */
export function localChecks(devDir = '/dev'): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  checks.push({
    name: 'node',
    ok: major >= 20,
    detail: `Node ${process.versions.node}`,
    fix: major >= 20 ? undefined : 'install Node 20 LTS or newer (e.g. with nvm install 20)',
  });
  let ports: string[] = [];
  try {
    ports = readdirSync(devDir).filter((f) => /^tty(USB|ACM)\d+$/.test(f));
  } catch {
    ports = [];
  }
  if (ports.length === 0)
    checks.push({ name: 'serial ports', ok: true, detail: 'no USB-serial device attached (fine for BLE)' });
  for (const p of ports) {
    const path = `${devDir}/${p}`;
    let ok = true;
    try {
      accessSync(path, constants.R_OK | constants.W_OK);
    } catch {
      ok = false;
    }
    checks.push({
      name: `serial ${path}`,
      ok,
      detail: ok ? 'read/write' : 'no permission',
      fix: ok ? undefined : 'sudo usermod -aG dialout $USER, then log out and in again',
    });
  }
  return checks;
}

export async function runDoctor(deps: DeviceDeps, log: (l: string) => void): Promise<boolean> {
  const checks = [...localChecks(), ...(deps.doctor ? await deps.doctor() : [])];
  for (const c of checks) {
    log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
    if (!c.ok && c.fix) log(`     fix: ${c.fix}`);
  }
  return checks.every((c) => c.ok);
}
