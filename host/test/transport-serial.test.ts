/**
 * Serial transport units: backoff, USB discovery over SerialPort.list() output, open-error typing. The pty-based
 * behaviour (unplug/replug, idle, busy, permission) is in test/link-serial-faults.test.ts.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import {
  backoffDelay,
  KNOWN_READER_USB,
  matchReaders,
  openSerialLink,
  serialOpenError,
  TransportError,
} from '@badgewire/host';
import { describe, expect, it } from 'vitest';

describe('backoffDelay', () => {
  const o = { initialMs: 100, maxMs: 5000, factor: 2, jitter: 0.3 };
  it('doubles per attempt up to the cap when jitter draws 0', () => {
    expect([0, 1, 2, 3, 6, 20].map((n) => backoffDelay(n, o, () => 0))).toEqual([
      100, 200, 400, 800, 5000, 5000,
    ]);
  });
  it('removes at most the jitter share of each delay', () => {
    for (let n = 0; n < 10; n++) {
      const top = backoffDelay(n, o, () => 0);
      const low = backoffDelay(n, o, () => 0.999999);
      expect(low).toBeGreaterThanOrEqual(Math.floor(top * 0.7));
      expect(low).toBeLessThan(top);
    }
  });
});

describe('reader discovery over SerialPort.list() output', () => {
  // `udevadm info -e` as serialport's Linux lister reads it (abridged to the properties it uses), parsed by the
  // real bindings-cpp lister so the fields have exactly the shape SerialPort.list() returns.
  const UDEV = [
    'P: /devices/pnp0/00:04/tty/ttyS0',
    'N: ttyS0',
    'E: DEVNAME=/dev/ttyS0',
    '',
    'P: /devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0',
    'N: ttyUSB0',
    'E: DEVNAME=/dev/ttyUSB0',
    'E: DEVLINKS=/dev/serial/by-id/usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0',
    'E: ID_VENDOR_ENC=Silicon\\x20Labs',
    'E: ID_SERIAL_SHORT=0001',
    'E: ID_VENDOR_ID=10c4',
    'E: ID_MODEL_ID=ea60',
    '',
    'P: /devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0/tty/ttyACM0',
    'N: ttyACM0',
    'E: DEVNAME=/dev/ttyACM0',
    'E: ID_VENDOR_ENC=STMicroelectronics',
    'E: ID_SERIAL_SHORT=48DF67773330',
    'E: ID_VENDOR_ID=0483',
    'E: ID_MODEL_ID=5740',
    '',
    'P: /devices/pci0000:00/0000:00:14.0/usb1/1-4/1-4:1.0/tty/ttyACM1',
    'N: ttyACM1',
    'E: DEVNAME=/dev/ttyACM1',
    'E: ID_VENDOR_ENC=Arduino\\x20LLC',
    'E: ID_VENDOR_ID=2341',
    'E: ID_MODEL_ID=0043',
    '',
    'P: /devices/virtual/input/input3',
    'N: input/event3',
    '',
  ].join('\n');

  async function recordedLinuxList(): Promise<{ path: string; vendorId?: string; serialNumber?: string }[]> {
    const require = createRequire(import.meta.url);
    const { linuxList } = require('@serialport/bindings-cpp/dist/linux-list.js');
    const fakeSpawn = () => {
      const stdout = Readable.from([UDEV]);
      const child = Object.assign(new (require('node:events').EventEmitter)(), { stdout });
      stdout.on('end', () => setImmediate(() => child.emit('close', 0)));
      return child;
    };
    return linuxList(fakeSpawn);
  }

  it('finds the Espruino and ESP32 bridges and skips other serial devices', async () => {
    const list = await recordedLinuxList();
    expect(list.map((p) => p.path)).toEqual(['/dev/ttyS0', '/dev/ttyUSB0', '/dev/ttyACM0', '/dev/ttyACM1']);
    expect(matchReaders(list, KNOWN_READER_USB).map((p) => p.path)).toEqual(['/dev/ttyACM0', '/dev/ttyUSB0']);
  });

  it('pins one reader by serial number', async () => {
    const list = await recordedLinuxList();
    const only = matchReaders(list, [
      { vendorId: '0x0483', productId: '5740', serialNumber: '48DF67773330' },
    ]);
    expect(only.map((p) => p.path)).toEqual(['/dev/ttyACM0']);
    expect(matchReaders(list, [{ vendorId: '0483', productId: '5740', serialNumber: 'OTHER' }])).toEqual([]);
  });

  it('accepts the upper-case ids the Windows lister reports', () => {
    const win = [
      { path: 'COM3', vendorId: '10C4', productId: 'EA60', serialNumber: '0001' },
      { path: 'COM1' },
    ];
    expect(matchReaders(win, KNOWN_READER_USB).map((p) => p.path)).toEqual(['COM3']);
  });
});

describe('typed open errors from real failures', () => {
  it('missing port: E_SERIAL_MISSING, transient', async () => {
    const err = await openSerialLink({ path: '/dev/badgewire-no-such-port' }).catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe('E_SERIAL_MISSING');
    expect(err.transient).toBe(true);
  });
});

describe('serialOpenError', () => {
  it('maps the errno texts serialport 13 reports to typed codes', () => {
    expect(
      serialOpenError(new Error('Error: Permission denied, cannot open /dev/ttyUSB0'), '/dev/ttyUSB0').code,
    ).toBe('E_SERIAL_PERMISSION');
    expect(
      serialOpenError(new Error('Error Resource temporarily unavailable Cannot lock port'), 'x').code,
    ).toBe('E_SERIAL_BUSY');
    expect(serialOpenError(new Error('Error: No such file or directory, cannot open x'), 'x').code).toBe(
      'E_SERIAL_MISSING',
    );
    const other = serialOpenError(new Error('Error: Input/output error'), 'x');
    expect(other.code).toBe('E_SERIAL_OPEN');
    expect(other.transient).toBe(true);
  });
});
