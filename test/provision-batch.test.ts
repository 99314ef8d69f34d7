/**
 * The bench commands through their CLI actions against emulated consoles on real ptys: batch mode (flash,
 * provision, verify, reboot per device, result table, a job line with personal data refused), badge
 * provisioning with keys derived from the store's master key, monitor (health, masking), list and doctor.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint, KeyStore, KNOWN_READER_USB, openSerialLink, serialBytes } from '@badgewire/host';
import { deriveBadgeKeys, HostChannel, nobleAes, secureRandom } from '@badgewire/protocol';
import { EspruinoConsole, EspruinoDevice, openConsolePty, VirtualClock } from '@badgewire/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DeviceDeps,
  describeFrame,
  listDevices,
  maskSecrets,
  monitorDevice,
  runBatch,
  runDoctor,
  runProvision,
  runVerify,
} from '../firmware/build/flash/index';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-batch-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function board() {
  const dev = new EspruinoDevice({ board: 'puckjs', clock: new VirtualClock(), console: 'Serial1' });
  new EspruinoConsole(dev);
  dev.boot();
  const pty = await openConsolePty(dev);
  cleanups.push(() => pty.close());
  return { dev, port: pty.hostPath };
}

/** The same host adapters the CLI wiring passes (simulator/src/cli.ts), over one open store. */
function deps(ks: KeyStore): DeviceDeps {
  return {
    openSerial: async (path, baudRate) => {
      const l = await openSerialLink({ path, baudRate });
      // The next command reopens the port: wait until the OS released it (the lock) before reporting closed.
      const released = new Promise((r) => l.onClose(r));
      cleanups.push(() => released);
      return l;
    },
    openKeys: () => ({
      keys: ks,
      fingerprint,
      badgeKeys: (mk, serial) => {
        const k = deriveBadgeKeys(nobleAes, ks.masterKey(mk), serialBytes(serial));
        ks.recordBadgeExport(mk, 'usb-provisioning', 1);
        return { kId: Buffer.from(k.kId).toString('hex'), kTap: Buffer.from(k.kTap).toString('hex') };
      },
    }),
  };
}

const store = () => KeyStore.create(join(tmp(), 'k.sealed'), { passphrase: 'correct horse battery' });

describe('batch mode', () => {
  it('flashes, provisions, verifies and reboots each device; a job line with personal data is refused', async () => {
    const ks = store();
    const a = await board();
    const b = await board();
    const c = await board();
    const dir = tmp();
    const bundle = join(dir, 'app.js');
    writeFileSync(bundle, 'var bwBatch = 1;\n');
    const lines: string[] = [];
    const rows = await runBatch(
      {
        defaults: { board: 'puckjs', role: 'reader', bundle, reader: { link: 'Serial1', door: 1 } },
        devices: [
          { name: 'door-1', port: a.port, reader: { id: '1111111111111111', door: 1 } },
          { name: 'door-2', port: b.port, reader: { id: '2222222222222222', door: 2, email: 'x@y.z' } },
          { name: 'door-3', port: c.port, reader: { id: '3333333333333333', door: 3 } },
        ],
      },
      deps(ks),
      {},
      (l) => lines.push(l),
    );
    expect(
      rows.map((r) => r.ok),
      lines.join('\n'),
    ).toEqual([true, false, true]);
    expect(rows[1]!.error).toMatch(/E_PROVISION_FIELD/);
    expect(lines.join('\n')).not.toContain('x@y.z'); // the refusal names the field, never its value
    expect(b.dev.storage.list()).toEqual([]); // refused before anything was sent
    for (const [x, id] of [
      [a, '1111111111111111'],
      [c, '3333333333333333'],
    ] as const) {
      const cfg = JSON.parse(Buffer.from(x.dev.storage.read('bw.cfg')!).toString());
      expect(cfg.id).toBe(id);
      expect(ks.readerKeys(id)).toHaveLength(1);
      expect(x.dev.resets.at(-1)?.reason).toBe('E.reboot');
    }
    const table = lines.at(-1)!;
    expect(table.split('\n')[0]).toMatch(/^device\s+target\s+flash\s+provision\s+verify\s+result$/);
    expect(table).toMatch(/door-1 .* OK, rebooted\s+OK/);
    expect(table).toContain('E_PROVISION_FIELD');
    for (const id of ['1111111111111111', '3333333333333333'])
      expect(lines.join('\n')).not.toContain(Buffer.from(ks.readerKeys(id)[0]!.key).toString('hex'));
  });
});

describe('provision / verify CLI actions', () => {
  it('a badge gets keys derived from the master key; the store logs the issue by count, never the serial', async () => {
    const ks = store();
    const mk = ks.createMasterKey('expo-2026');
    const x = await board();
    const out: string[] = [];
    const r = await runProvision(
      { port: x.port, role: 'badge', master: mk.id, serial: 'BW-000042', cid: '65535', clock: '1800000' },
      deps(ks),
      (l) => out.push(l),
    );
    const k = deriveBadgeKeys(nobleAes, ks.masterKey(mk.id), serialBytes('BW-000042'));
    expect(Buffer.from(x.dev.storage.read('bw.badge')!).toString('hex')).toBe(
      Buffer.from(k.kId).toString('hex') + Buffer.from(k.kTap).toString('hex') + 'ffff',
    );
    expect(r?.fingerprint).toBe(fingerprint(k.kId));
    expect(ks.issued().at(-1)).toMatchObject({ action: 'badge-export', to: 'usb-provisioning', count: 1 });
    expect(JSON.stringify(ks.issued())).not.toContain('BW-000042');
    expect(Buffer.from(x.dev.storage.read('bw.badge')!).toString('latin1')).not.toContain('BW-000042');
    expect(out.join('\n')).not.toContain(Buffer.from(k.kId).toString('hex'));
  });

  it('provision --dry-run shows the record with a key placeholder and issues no key', async () => {
    const out: string[] = [];
    const d: DeviceDeps = {
      openSerial: async () => {
        throw new Error('must not open');
      },
      openKeys: () => {
        throw new Error('must not open the key store');
      },
    };
    const r = await runProvision(
      { port: '/dev/never', role: 'reader', id: '0A0B0C0D0E0F1011', door: '4', link: 'ble', dryRun: true },
      d,
      (l) => out.push(l),
    );
    expect(r).toBeNull();
    expect(out.join('\n')).toContain(
      'bw.cfg <- {"id":"0a0b0c0d0e0f1011","key":"<K_r from the key store>","door":4,"link":"ble"}',
    );
  });

  it('verify fails with E_VERIFY_MISMATCH when the device holds a key the store does not know', async () => {
    const ks = store();
    const x = await board();
    x.dev.storage.write('.bootcde', new Uint8Array(Buffer.from('var z=1;')));
    x.dev.storage.write(
      'bw.cfg',
      new Uint8Array(Buffer.from(JSON.stringify({ id: '4444444444444444', key: '5a'.repeat(32) }))),
    );
    const out: string[] = [];
    const err = await runVerify({ port: x.port }, deps(ks), (l) => out.push(l)).catch((e) => e);
    expect(err.code).toBe('E_VERIFY_MISMATCH');
    expect(out.join('\n')).toContain('verify: FAILED');
    expect(out.join('\n')).not.toContain('5a'.repeat(32));
  });
});

describe('monitor, list, doctor', () => {
  it('monitor polls the health of a provisioned board and masks key-like console output', async () => {
    const x = await board();
    x.dev.storage.write(
      'bw.cfg',
      new Uint8Array(Buffer.from(JSON.stringify({ id: '6666666666666666', door: 9, key: '7b'.repeat(32) }))),
    );
    const link = await openSerialLink({ path: x.port });
    cleanups.push(() => link.close());
    const out: string[] = [];
    const done = monitorDevice(link, { intervalMs: 200, durationMs: 1500, out: (l) => out.push(l) });
    setTimeout(() => x.dev.eval(`print("leak? ${'7b'.repeat(32)}")`), 300);
    const r = await done;
    expect(r.mode).toBe('console');
    expect(r.health).toBeGreaterThanOrEqual(2);
    expect(out.find((l) => l.startsWith('health'))).toMatch(/reader 6666666666666666 door 9/);
    expect(out.join('\n')).toContain('leak? <hex>');
    expect(out.join('\n')).not.toContain('7b'.repeat(16));
    expect(maskSecrets('K=' + Buffer.from('x'.repeat(30)).toString('base64'))).toBe('K=<b64>');
  });

  it('link traffic is shown by clear header only', () => {
    const ch = new HostChannel(nobleAes, secureRandom, { lookup: () => null });
    expect(describeFrame(ch.start())).toMatch(/^link host->reader HELLO ctr \d+ \d+ B$/);
    expect(describeFrame(new Uint8Array([1, 2, 3]))).toMatch(/not a BW-SC packet/);
  });

  it('list says what each attached board is; doctor prints the fix for a failing check', async () => {
    const d: DeviceDeps = {
      openSerial: async () => {
        throw new Error('unused');
      },
      listSerial: async () => [
        { path: '/dev/ttyUSB0', vendorId: '10C4', productId: 'EA60', manufacturer: 'Silicon Labs' },
        { path: '/dev/ttyS0' },
        { path: '/dev/ttyACM3', vendorId: '1234', productId: '5678' },
      ],
      knownUsb: KNOWN_READER_USB,
      scanBle: async () => [
        { address: 'c0:ff:ee:00:00:01', name: 'Puck.js 1a2b', rssi: -60 },
        { address: 'c0:ff:ee:00:00:02', name: '' },
      ],
      doctor: async () => [
        { name: 'bluetooth', ok: false, detail: 'E_BLE_PERMISSION', fix: 'sudo setcap ...' },
      ],
    };
    const list = await listDevices(d, 10);
    expect(list.map((l) => [l.target, l.kind])).toEqual([
      ['/dev/ttyUSB0', 'ESP32 devkit (Silicon Labs CP210x)'],
      ['/dev/ttyACM3', 'unknown USB-serial device'],
      ['c0:ff:ee:00:00:01', 'Puck.js (reader or badge)'],
    ]);
    const out: string[] = [];
    expect(await runDoctor(d, (l) => out.push(l))).toBe(false);
    expect(out.join('\n')).toMatch(/ok {3}node: Node \d+/);
    expect(out.join('\n')).toMatch(/FAIL bluetooth: E_BLE_PERMISSION\n\s+fix: sudo setcap/);
  });
});
