/**
 * Finding readers among serial ports by USB vendor/product id and serial number. `matchReaders` is a pure
 * function over `SerialPort.list()` output, so it is tested with recorded lists; ptys never appear in that list
 * (tests open them by path instead).
 */

/** The fields of serialport's PortInfo that matter here (Linux fills them from udev, Windows from SetupAPI). */
export interface PortInfoLike {
  path: string;
  vendorId?: string | undefined;
  productId?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
}

export interface ReaderFilter {
  /** USB vendor id, hex, any case, with or without 0x. */
  vendorId: string;
  productId: string;
  /** Pins one physical reader when several identical bridges are attached. */
  serialNumber?: string;
}

/**
 * USB-serial bridges found on the boards badgewire readers run on. Generic bridges match other gadgets too, so a
 * deployment should pin `serialNumber`; these are the defaults for `badgewire readers --list`.
 */
export const KNOWN_READER_USB: readonly (ReaderFilter & { board: string })[] = [
  { board: 'Espruino Original/Pico/WiFi (STM32 VCP)', vendorId: '0483', productId: '5740' },
  { board: 'ESP32 devkit (Silicon Labs CP210x)', vendorId: '10c4', productId: 'ea60' },
  { board: 'ESP32 devkit (WCH CH340)', vendorId: '1a86', productId: '7523' },
  { board: 'ESP32 devkit (WCH CH9102)', vendorId: '1a86', productId: '55d4' },
  { board: 'ESP32-S3/C3 native USB', vendorId: '303a', productId: '1001' },
  { board: 'FTDI FT232R adapter (MDBT42Q breakout)', vendorId: '0403', productId: '6001' },
];

/** '0x10C4', '10c4' and '10C4' are the same id; Windows reports upper case, Linux lower case. */
export function normalizeUsbId(id: string | undefined): string {
  if (!id) return '';
  const s = id.trim().toLowerCase().replace(/^0x/, '');
  return /^[0-9a-f]{1,4}$/.test(s) ? s.padStart(4, '0') : '';
}

export function matchReaders<T extends PortInfoLike>(
  ports: readonly T[],
  filters: readonly ReaderFilter[],
): T[] {
  const out = ports.filter((p) => {
    const vid = normalizeUsbId(p.vendorId);
    const pid = normalizeUsbId(p.productId);
    if (!vid || !pid) return false;
    return filters.some(
      (f) =>
        normalizeUsbId(f.vendorId) === vid &&
        normalizeUsbId(f.productId) === pid &&
        (f.serialNumber === undefined || f.serialNumber === p.serialNumber),
    );
  });
  // Stable order, so "the first reader" means the same port on every poll.
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** Lists attached readers via serialport's native list (loaded only when called). */
export async function listReaders(
  filters: readonly ReaderFilter[] = KNOWN_READER_USB,
): Promise<PortInfoLike[]> {
  const { SerialPort } = await import('serialport');
  return matchReaders(await SerialPort.list(), filters);
}
