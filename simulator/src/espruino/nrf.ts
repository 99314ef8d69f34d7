/**
 * The `NRF` object (BLE + NFC tag emulation) of a simulated board and the radio hooks the simulator drives
 * (espruino.md §8): advertisements are delivered to the `setScan` callback as BluetoothDevice objects (raw AD
 * parsed, filters applied per packet); what firmware advertises is kept as raw AD bytes; NFC field events
 * arrive as NFCon / NFCoff / NFCrx.
 */
import { addEvents, type DeviceHost } from './host';
import { toBytes } from './values';

/** One received advertising packet, as the air delivers it. */
export interface Advertisement {
  /** "aa:bb:cc:dd:ee:ff random" */
  id: string;
  rssi: number;
  /** Raw AD structures (length, type, data)*. */
  data: Uint8Array;
}

export interface AdvertisingState {
  /** Raw AD bytes of each packet in the rotation (usually one). */
  packets: Uint8Array[];
  interval: number;
  options: Record<string, unknown>;
  /** Virtual ms when it was set. */
  at: number;
}

/** Host-side radio state; survives reboots like the hardware does (the address persists until power cut). */
export class RadioState {
  advertising: AdvertisingState | undefined;
  readonly advertisingHistory: AdvertisingState[] = [];
  address: string;
  scanning = false;
  nfcActive = false;
  /** Responses sent with NRF.nfcSend, in order. */
  readonly nfcSent: Uint8Array[] = [];
  /** The NDEF/raw payload given to nfcStart/nfcRaw/nfcURL. */
  nfcPayload: Uint8Array | undefined;
  /** Set by the running boot. */
  hooks: RadioHooks | undefined;

  constructor(defaultAddress: string) {
    this.address = defaultAddress;
  }
}

export interface RadioHooks {
  deliver(adv: Advertisement): boolean;
  connect(addr: string): void;
  disconnect(reason: number): void;
  nfcField(on: boolean): void;
  nfcReceive(bytes: Uint8Array): void;
}

/** Splits raw AD into [type, data] records; stops at a malformed length. */
export function parseAd(ad: Uint8Array): [number, Uint8Array][] {
  const out: [number, Uint8Array][] = [];
  for (let i = 0; i < ad.length; ) {
    const len = ad[i] as number;
    if (len === 0 || i + 1 + len > ad.length) break;
    out.push([ad[i + 1] as number, ad.slice(i + 2, i + 1 + len)]);
    i += 1 + len;
  }
  return out;
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** Builds raw AD from Espruino's setAdvertising arguments (flags, service data, manufacturer data, name). */
export function buildAd(data: unknown, opts: Record<string, unknown>, name: string): Uint8Array {
  if (Array.isArray(data) || ArrayBuffer.isView(data)) return toBytes(data);
  const out: number[] = [];
  const push = (type: number, bytes: ArrayLike<number>): void => {
    out.push(bytes.length + 1, type);
    for (let i = 0; i < bytes.length; i++) out.push(bytes[i] as number);
  };
  if (opts.discoverable !== false) push(0x01, [0x06]);
  const d = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  for (const key of Object.keys(d)) {
    const uuid = Number(key.startsWith('0x') ? key : Number.isNaN(Number(key)) ? `0x${key}` : key);
    const v = d[key];
    if (v === undefined) push(0x03, [uuid & 0xff, uuid >> 8]);
    else push(0x16, [uuid & 0xff, uuid >> 8, ...toBytes(v)]);
  }
  if (opts.manufacturer !== undefined && opts.manufacturer !== false) {
    const m = Number(opts.manufacturer);
    push(0xff, [m & 0xff, m >> 8, ...toBytes(opts.manufacturerData ?? [])]);
  }
  if (opts.showName !== false && name) push(0x09, toBytes(name));
  return new Uint8Array(out);
}

export function createNrf(
  host: DeviceHost,
  radio: RadioState,
  opts: { nfc: boolean; name: string },
): Record<string, unknown> {
  const { realm, clock } = host;
  const nrf = realm.object();
  const emit = addEvents(nrf, host);
  let scanCb: unknown;
  let filters: Record<string, unknown>[] = [];

  const toDevice = (adv: Advertisement): Record<string, unknown> => {
    const d = realm.object();
    d.id = adv.id;
    d.rssi = adv.rssi;
    d.data = realm.buffer(adv.data);
    const services: string[] = [];
    for (const [type, v] of parseAd(adv.data)) {
      if (type === 0x02 || type === 0x03)
        for (let i = 0; i + 1 < v.length; i += 2)
          services.push(hex4((v[i] as number) | ((v[i + 1] as number) << 8)));
      else if (type === 0x16 && v.length >= 2) {
        const sd = (d.serviceData ??= realm.object()) as Record<string, unknown>;
        sd[hex4((v[0] as number) | ((v[1] as number) << 8))] = realm.buffer(v.subarray(2));
      } else if (type === 0xff && v.length >= 2) {
        d.manufacturer = (v[0] as number) | ((v[1] as number) << 8);
        d.manufacturerData = realm.buffer(v.subarray(2));
      } else if (type === 0x09) d.name = String.fromCharCode(...v);
      else if (type === 0x08) d.shortName = String.fromCharCode(...v);
    }
    if (services.length) d.services = realm.array(services);
    return d;
  };

  const matches = (d: Record<string, unknown>, f: Record<string, unknown>): boolean => {
    if (f.id !== undefined && f.id !== d.id) return false;
    if (f.name !== undefined && f.name !== d.name) return false;
    if (typeof f.namePrefix === 'string' && !String(d.name ?? '').startsWith(f.namePrefix)) return false;
    if (Array.isArray(f.services)) {
      const have = (d.services as string[] | undefined) ?? [];
      if (!f.services.every((s) => have.includes(String(s).toLowerCase()))) return false;
    }
    if (f.serviceData && typeof f.serviceData === 'object') {
      const have = (d.serviceData as Record<string, unknown> | undefined) ?? {};
      if (!Object.keys(f.serviceData).every((k) => k.toLowerCase() in have)) return false;
    }
    if (f.manufacturerData && typeof f.manufacturerData === 'object') {
      if (!Object.keys(f.manufacturerData).some((k) => Number(k) === d.manufacturer)) return false;
    }
    return true;
  };

  // A findDevices in progress keeps its callback and the devices found so far outside the realm.
  let finding: { cb: unknown; seen: Map<string, Record<string, unknown>> } | undefined;
  host.addRoot('NRF scan', () => [scanCb, filters, finding?.cb, ...(finding?.seen.values() ?? [])]);
  nrf.setScan = (cb?: unknown, o?: unknown) => {
    scanCb = typeof cb === 'function' ? cb : undefined;
    const f = (o as { filters?: unknown } | undefined)?.filters;
    filters = Array.isArray(f) ? (f as Record<string, unknown>[]) : [];
    radio.scanning = scanCb !== undefined;
  };
  nrf.findDevices = (cb: unknown, o?: unknown) => {
    const timeout =
      typeof o === 'number' ? o : Number((o as { timeout?: number } | undefined)?.timeout ?? 2000);
    // A Map: device ids come from the air and may be any string (`__proto__` included).
    const seen = new Map<string, Record<string, unknown>>();
    const prevFilters = (o as { filters?: unknown } | undefined)?.filters;
    scanCb = (d: Record<string, unknown>) => {
      seen.set(String(d.id), Object.assign(seen.get(String(d.id)) ?? realm.object(), d));
    };
    filters = Array.isArray(prevFilters) ? (prevFilters as Record<string, unknown>[]) : [];
    radio.scanning = true;
    finding = { cb, seen };
    host.later(timeout, () => {
      finding = undefined;
      scanCb = undefined;
      radio.scanning = false;
      host.invoke(cb, undefined, [realm.array([...seen.values()])]);
    });
  };
  nrf.setAdvertising = (data: unknown, o?: unknown) => {
    const options = (o && typeof o === 'object' ? o : {}) as Record<string, unknown>;
    const name = typeof options.name === 'string' ? options.name : opts.name;
    const list =
      Array.isArray(data) && data.length > 0 && typeof data[0] === 'object' && !ArrayBuffer.isView(data[0])
        ? data
        : [data];
    const state: AdvertisingState = {
      packets: list.map((p) => buildAd(p, options, name)),
      interval: Number(options.interval ?? 375),
      options: { ...options },
      at: clock.now(),
    };
    radio.advertising = state;
    radio.advertisingHistory.push(state);
  };
  nrf.getAdvertisingData = (data: unknown, o?: unknown) =>
    realm.u8(buildAd(data, (o ?? {}) as Record<string, unknown>, opts.name));
  nrf.setAddress = (addr: unknown) => {
    if (
      typeof addr !== 'string' ||
      !/^([0-9a-f]{2}:){5}[0-9a-f]{2}( (public|random|private-resolvable|private-nonresolvable))?$/i.test(
        addr,
      )
    )
      throw realm.error('Error', 'INVALID_BLE_ADDR');
    radio.address = addr.toLowerCase();
  };
  nrf.getAddress = () => radio.address;
  for (const k of [
    'setTxPower',
    'sleep',
    'wake',
    'setServices',
    'updateServices',
    'setSecurity',
    'disconnect',
    'setConnectionInterval',
  ])
    nrf[k] = () => undefined;
  nrf.restart = (cb?: unknown) => {
    if (typeof cb === 'function') host.invoke(cb, undefined, []);
  };
  nrf.getSecurityStatus = () => realm.object();

  if (opts.nfc) {
    nrf.nfcStart = (payload?: unknown) => {
      radio.nfcActive = true;
      if (payload !== undefined) radio.nfcPayload = toBytes(payload);
      return realm.buffer([0x5f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
    };
    nrf.nfcRaw = (payload: unknown) => {
      radio.nfcActive = true;
      radio.nfcPayload = toBytes(payload);
    };
    nrf.nfcURL = (url: unknown) => {
      radio.nfcActive = url !== undefined;
      radio.nfcPayload = url === undefined ? undefined : toBytes(String(url));
    };
    nrf.nfcStop = () => {
      radio.nfcActive = false;
    };
    nrf.nfcSend = (bytes?: unknown) => {
      radio.nfcSent.push(toBytes(bytes));
    };
  }

  radio.hooks = {
    deliver(adv) {
      if (!scanCb) return false;
      const d = toDevice(adv);
      if (filters.length > 0 && !filters.some((f) => matches(d, f))) return false;
      host.invoke(scanCb, undefined, [d]);
      return true;
    },
    connect: (addr) => emit('connect', addr),
    disconnect: (reason) => emit('disconnect', reason),
    nfcField(on) {
      if (opts.nfc && radio.nfcActive) emit(on ? 'NFCon' : 'NFCoff');
    },
    nfcReceive(bytes) {
      if (opts.nfc && radio.nfcActive) emit('NFCrx', realm.buffer(bytes));
    },
  };
  return nrf;
}
