/**
 * The reader side of the config: transports (serial by path or USB id, BLE by address or advertised name),
 * the per-reader fields the engine uses (position for relay detection, accepted tap modes, lead owner), the
 * BLE adapter, and per-tenant SUN (NTAG 424 DNA) settings. Same walker and message style as ./validate.
 */
import { BLE_ADDR, type Checker, HEX4, ID, join, type Obj } from './checker';
import type { BleConfig, ReaderConfig, ReaderTransport, SunConfig } from './types';

const BLE_NAME = /^[\x20-\x7e]{1,29}$/;
const TAP_MODES = ['C', 'S', 'SUN'] as const;
/** Venue coordinates beyond 100 km are a unit mistake (millimetres, or latitude/longitude), not a venue. */
const MAX_COORD = 100_000;

export function transport(c: Checker, path: string, v: unknown): ReaderTransport | undefined {
  if (typeof v === 'object' && v !== null && (v as Obj).type === 'ble-scan')
    return bleScan(c, path, v as Obj);
  const t = c.obj(path, v, [
    'type',
    'path',
    'vid',
    'pid',
    'serialNumber',
    'baudRate',
    'address',
    'name',
    'addressType',
  ]);
  if (!t) return undefined;
  if (t.type === 'ble') return bleTransport(c, path, t);
  if (t.type !== 'serial') {
    c.add(join(path, 'type'), 'must be "serial", "ble" or "ble-scan"');
    return undefined;
  }
  for (const k of ['address', 'name', 'addressType'])
    if (k in t) c.add(join(path, k), 'not valid for a serial transport (use path or vid/pid)');
  const baudRate = c.int(join(path, 'baudRate'), t.baudRate, 1200, 4_000_000, 115_200) ?? 115_200;
  if (t.path !== undefined) {
    for (const k of ['vid', 'pid', 'serialNumber'])
      if (k in t) c.add(join(path, k), 'give either path or vid/pid, not both');
    // Relative like every other path in the file: against the config file's directory.
    const p = c.file(join(path, 'path'), t.path);
    return p ? { type: 'serial', path: p, baudRate } : undefined;
  }
  if (t.vid === undefined && t.pid === undefined) {
    c.add(path, 'a serial transport needs path, or vid and pid');
    return undefined;
  }
  const vid = c.str(join(path, 'vid'), t.vid, { re: HEX4, what: '4 hex digits, e.g. "1915"' });
  const pid = c.str(join(path, 'pid'), t.pid, { re: HEX4, what: '4 hex digits, e.g. "520f"' });
  const sn = c.str(join(path, 'serialNumber'), t.serialNumber, {
    optional: true,
    re: /^[\x21-\x7e]{1,64}$/,
    what: 'printable ASCII',
  });
  if (!vid || !pid) return undefined;
  const out: ReaderTransport = { type: 'serial', vid: vid.toLowerCase(), pid: pid.toLowerCase(), baudRate };
  if (sn !== undefined) out.serialNumber = sn;
  return out;
}

function bleScan(c: Checker, path: string, v: Obj): ReaderTransport | undefined {
  const t = c.obj(path, v, ['type', 'companyId', 'watchdogMs', 'dedupMs']);
  if (!t) return undefined;
  const companyId =
    t.companyId === undefined ? undefined : c.int(join(path, 'companyId'), t.companyId, 0, 0xffff);
  const watchdogMs = c.int(join(path, 'watchdogMs'), t.watchdogMs, 0, 3_600_000, 30_000);
  const dedupMs = c.int(join(path, 'dedupMs'), t.dedupMs, 0, 600_000, 2000);
  if (watchdogMs === undefined || dedupMs === undefined) return undefined;
  if (t.companyId !== undefined && companyId === undefined) return undefined;
  const out: ReaderTransport = { type: 'ble-scan', watchdogMs, dedupMs };
  if (companyId !== undefined) out.companyId = companyId;
  return out;
}

function bleTransport(c: Checker, path: string, t: Obj): ReaderTransport | undefined {
  for (const k of ['path', 'vid', 'pid', 'serialNumber', 'baudRate'])
    if (k in t) c.add(join(path, k), 'not valid for a BLE transport');
  const addressType = c.str(join(path, 'addressType'), t.addressType, {
    def: 'random',
    re: /^(public|random)$/,
    what: '"public" or "random"',
  });
  if (t.address !== undefined && t.name !== undefined) {
    c.add(path, 'give either address or name, not both');
    return undefined;
  }
  if (t.name !== undefined) {
    const name = c.str(join(path, 'name'), t.name, {
      re: BLE_NAME,
      what: 'the advertised name: 1-29 printable ASCII characters',
    });
    return name && addressType ? { type: 'ble', name, addressType: addressType as 'public' } : undefined;
  }
  if (t.address === undefined) {
    c.add(path, 'a BLE transport needs address or name');
    return undefined;
  }
  const address = c.str(join(path, 'address'), t.address, {
    re: BLE_ADDR,
    what: 'a BLE address like "c0:ff:ee:00:00:01"',
  });
  return address && addressType
    ? { type: 'ble', address: address.toLowerCase(), addressType: addressType as 'public' }
    : undefined;
}

/** The engine-facing reader fields: position, tap modes, exhibitor. */
export function readerExtras(
  c: Checker,
  p: string,
  o: Obj,
  role: string | undefined,
  sunTenant: boolean,
): Pick<ReaderConfig, 'position' | 'tapModes' | 'exhibitor'> {
  const out: Pick<ReaderConfig, 'position' | 'tapModes' | 'exhibitor'> = {};
  if (o.position !== undefined) {
    const pos = c.obj(`${p}.position`, o.position, ['x', 'y']);
    if (pos) {
      const x = c.num(`${p}.position.x`, pos.x, -MAX_COORD, MAX_COORD);
      const y = c.num(`${p}.position.y`, pos.y, -MAX_COORD, MAX_COORD);
      if (x !== undefined && y !== undefined) out.position = { x, y };
    }
  }
  if (o.tapModes !== undefined) {
    const list = c.arr(`${p}.tapModes`, o.tapModes);
    if (Array.isArray(o.tapModes) && list.length === 0)
      c.add(`${p}.tapModes`, 'needs at least one mode ("C", "S" or "SUN")');
    const modes: ReaderConfig['tapModes'] = [];
    list.forEach((m, i) => {
      const at = `${p}.tapModes[${i}]`;
      if (typeof m !== 'string' || !(TAP_MODES as readonly string[]).includes(m))
        c.add(at, 'must be "C" (challenge), "S" (counter) or "SUN" (NTAG 424 DNA)');
      else if (modes.includes(m as 'C')) c.add(at, `"${m}" is listed twice`);
      else modes.push(m as 'C');
    });
    if (modes.includes('SUN') && !sunTenant)
      c.add(`${p}.tapModes`, "SUN needs sun settings for this reader's tenant (sun.<tenant>)");
    if (role === 'presence' && modes.length > 0)
      c.add(`${p}.tapModes`, 'a presence reader takes no taps; remove tapModes or change the role');
    if (modes.length === list.length && list.length > 0) out.tapModes = modes;
  }
  if (o.exhibitor !== undefined) {
    const ex = c.str(`${p}.exhibitor`, o.exhibitor, { re: ID, what: 'an id of 1-64 chars [A-Za-z0-9._:-]' });
    if (ex && role !== 'lead') c.add(`${p}.exhibitor`, 'only a lead reader has an exhibitor');
    else if (ex) out.exhibitor = ex;
  }
  return out;
}

/**
 * `ble`: the adapter and reconnect policy. Null (noble never loaded) unless some reader uses BLE; a BLE reader
 * without `ble` gets the defaults (hci0).
 */
export function bleConfig(c: Checker, v: unknown, bleReaders: number): BleConfig | null {
  const b = c.obj('ble', v ?? {}, ['adapter', 'connectTimeoutMs', 'reconnect']);
  if (!b) return null;
  const a = c.obj('ble.adapter', b.adapter ?? { hci: 0 }, ['hci', 'uart', 'baudRate']);
  let adapter: BleConfig['adapter'] | undefined;
  if (a) {
    if (a.hci !== undefined && a.uart !== undefined)
      c.add('ble.adapter', 'give either hci or uart, not both');
    else if (a.hci !== undefined) {
      if (a.baudRate !== undefined) c.add('ble.adapter.baudRate', 'only for a uart adapter');
      const n = c.int('ble.adapter.hci', a.hci, 0, 63);
      if (n !== undefined) adapter = { hci: n };
    } else if (a.uart !== undefined) {
      const port = c.str('ble.adapter.uart', a.uart);
      const baudRate = c.int('ble.adapter.baudRate', a.baudRate, 9600, 4_000_000, 1_000_000);
      if (port && baudRate !== undefined) adapter = { uart: port, baudRate };
    } else c.add('ble.adapter', 'needs hci (adapter number, hci0 = 0) or uart (serial HCI controller path)');
  }
  const r = c.obj('ble.reconnect', b.reconnect ?? {}, ['minMs', 'maxMs']) ?? {};
  const minMs = c.int('ble.reconnect.minMs', r.minMs, 50, 600_000, 1000);
  const maxMs = c.int('ble.reconnect.maxMs', r.maxMs, 50, 3_600_000, 30_000);
  if (minMs !== undefined && maxMs !== undefined && maxMs < minMs)
    c.add('ble.reconnect.maxMs', 'must be at least ble.reconnect.minMs');
  const connectTimeoutMs = c.int('ble.connectTimeoutMs', b.connectTimeoutMs, 500, 120_000, 10_000);
  if (
    bleReaders === 0 ||
    !adapter ||
    minMs === undefined ||
    maxMs === undefined ||
    connectTimeoutMs === undefined
  )
    return null;
  return { adapter, connectTimeoutMs, reconnect: { minMs, maxMs } };
}

/** `sun`: tenant -> SUN settings. A tenant needs a master key: its own `masterKeyId` or its enrolment file's. */
export function sunConfig(
  c: Checker,
  v: unknown,
  tenants: string[],
  enrolled: (tenant: string) => boolean,
): Record<string, SunConfig> {
  const out: Record<string, SunConfig> = {};
  const s = c.obj('sun', v ?? {}, tenants);
  for (const [t, x] of Object.entries(s ?? {})) {
    if (!tenants.includes(t)) continue;
    const p = `sun.${t}`;
    const o = c.obj(p, x, ['masterKeyId', 'suffix', 'tags']);
    if (!o) continue;
    const suffix = c.str(`${p}.suffix`, o.suffix, {
      re: /^(?:[0-9a-fA-F]{2}){3,16}$/,
      what: 'AID ‖ SystemIdentifier in hex (3 to 16 bytes)',
    });
    const mk = c.str(`${p}.masterKeyId`, o.masterKeyId, { optional: true, re: ID, what: 'a key id' });
    if (mk === undefined && o.masterKeyId === undefined && !enrolled(t))
      c.add(
        `${p}.masterKeyId`,
        `is required: tenant "${t}" has no enrolment file to take the master key from`,
      );
    const tags = o.tags === undefined ? undefined : c.file(`${p}.tags`, o.tags);
    if (!suffix) continue;
    const sc: SunConfig = { suffix: suffix.toLowerCase() };
    if (mk) sc.masterKeyId = mk;
    if (tags) sc.tags = tags;
    out[t] = sc;
  }
  return out;
}
