/**
 * Batch mode: flash, provision, verify and reboot many devices from a job file, one after the other, and end
 * with a per-device result table. A device that fails does not stop the others; rerunning the same job
 * resumes an interrupted upload and writes an interrupted reader's issued key again (never a second key).
 *
 * Job file (JSON): { "defaults": {...device fields}, "devices": [ {...}, ... ] } with device fields
 *   name, port | ble, baud, board, role, bundle, chunk, reboot (default true),
 *   reader: { id, door, cid, si, sw, dd, relay, link }   (the bw.cfg allow-list, minus the key)
 *   badge:  { master, serial, cid, clock }               (serial is used on the host only)
 * Any other field is refused for that device, so a spreadsheet column with personal data cannot slip through.
 */
import { readFileSync } from 'node:fs';
import { closeLink, type DeviceDeps, type KeyStoreArgs, openTarget, runFlash } from './cli';
import { runProvision } from './cli-device';
import { READER_FIELDS } from './device-fields';
import { describeError, FlashError } from './errors';
import { rebootDevice } from './provision';
import { verifyDevice } from './verify';

const DEVICE_FIELDS = [
  'name',
  'port',
  'ble',
  'baud',
  'board',
  'role',
  'bundle',
  'chunk',
  'reboot',
  'reader',
  'badge',
];
const BADGE_JOB_FIELDS = ['master', 'serial', 'cid', 'clock'];

export interface JobDevice {
  name?: string;
  port?: string;
  ble?: string;
  baud?: number;
  board?: string;
  role?: 'reader' | 'badge';
  bundle?: string;
  chunk?: number;
  reboot?: boolean;
  reader?: Record<string, unknown>;
  badge?: { master?: string; serial?: string; cid?: number; clock?: number };
}

export interface JobFile {
  defaults?: JobDevice;
  devices: JobDevice[];
}

export interface BatchRow {
  device: string;
  target: string;
  flash: string;
  provision: string;
  verify: string;
  ok: boolean;
  error?: string;
}

function checkFields(d: Record<string, unknown>): void {
  for (const k of Object.keys(d))
    if (!DEVICE_FIELDS.includes(k))
      throw new FlashError('E_PROVISION_FIELD', `job field "${k.slice(0, 32)}" is not allowed`);
  for (const k of Object.keys((d.reader as object | undefined) ?? {}))
    if (k === 'key' || !(READER_FIELDS as readonly string[]).includes(k))
      throw new FlashError('E_PROVISION_FIELD', `a reader may not hold "${k.slice(0, 32)}" from a job file`);
  for (const k of Object.keys((d.badge as object | undefined) ?? {}))
    if (!BADGE_JOB_FIELDS.includes(k))
      throw new FlashError('E_PROVISION_FIELD', `a badge may not hold "${k.slice(0, 32)}"`);
}

const str = (v: unknown) => (v === undefined ? undefined : String(v));

async function one(
  d: JobDevice,
  deps: DeviceDeps,
  ks: KeyStoreArgs,
  row: BatchRow,
  log: (l: string) => void,
) {
  checkFields(d as Record<string, unknown>);
  const quiet = () => {};
  const target = { port: d.port, ble: d.ble, baud: d.baud };
  const fr = await runFlash(
    d.bundle,
    { ...target, board: d.board, role: d.role, chunk: d.chunk },
    deps,
    quiet,
  );
  row.flash = fr ? `${fr.written} written, ${fr.skipped} kept` : 'dry';
  const r = d.reader ?? {};
  const pr = await runProvision(
    {
      ...target,
      ...ks,
      role: d.role ?? 'reader',
      id: str(r.id),
      door: str(r.door),
      cid: str(d.role === 'badge' ? d.badge?.cid : r.cid),
      si: str(r.si),
      sw: str(r.sw),
      dd: str(r.dd),
      relay: str(r.relay),
      link: str(r.link),
      master: d.badge?.master,
      serial: d.badge?.serial,
      clock: str(d.badge?.clock),
    },
    deps,
    quiet,
  );
  row.provision = pr ? `${pr.keyId ?? 'badge'} ${pr.fingerprint}` : '-';
  const keys = deps.openKeys?.(ks);
  if (!keys) throw new FlashError('E_FLASH_USAGE', 'no key store');
  const { link, transport } = await openTarget(target, deps);
  try {
    const bundle = d.bundle ? new Uint8Array(readFileSync(d.bundle)) : undefined;
    const v = await verifyDevice(link, keys, { bundle, transport });
    row.verify = v.ok ? 'OK' : v.problems.join('; ');
    if (!v.ok) throw new FlashError('E_VERIFY_MISMATCH', v.problems.join('; '));
    if (d.reboot !== false) {
      await rebootDevice(link, { transport });
      row.verify += ', rebooted';
    }
  } finally {
    await closeLink(link);
  }
  log(`${row.device}: done`);
}

export function formatTable(rows: BatchRow[]): string {
  const head = ['device', 'target', 'flash', 'provision', 'verify', 'result'];
  const cells = rows.map((r) => [
    r.device,
    r.target,
    r.flash,
    r.provision,
    r.verify,
    r.ok ? 'OK' : (r.error ?? 'FAILED'),
  ]);
  const w = head.map((h, i) =>
    Math.max(h.length, ...cells.map((c) => (c[i] as string).split('\n')[0]!.length)),
  );
  const line = (c: string[]) =>
    c
      .map((x, i) => x.split('\n')[0]!.padEnd(w[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...cells.map(line)].join('\n');
}

export async function runBatch(
  job: JobFile,
  deps: DeviceDeps,
  ks: KeyStoreArgs,
  log: (l: string) => void = console.log,
): Promise<BatchRow[]> {
  if (!job || !Array.isArray(job.devices))
    throw new FlashError('E_FLASH_USAGE', 'the job file needs a "devices" list');
  const rows: BatchRow[] = [];
  for (let i = 0; i < job.devices.length; i++) {
    const d: JobDevice = { ...(job.defaults ?? {}), ...(job.devices[i] as JobDevice) };
    const row: BatchRow = {
      device: d.name ?? `#${i + 1}`,
      target: d.port ?? (d.ble ? 'ble:' + d.ble : '?'),
      flash: '-',
      provision: '-',
      verify: '-',
      ok: false,
    };
    rows.push(row);
    try {
      await one(d, deps, ks, row, log);
      row.ok = true;
    } catch (e) {
      row.error = describeError(e).split('\n')[0];
      log(`${row.device}: ${describeError(e)}`);
    }
  }
  log(formatTable(rows));
  return rows;
}
