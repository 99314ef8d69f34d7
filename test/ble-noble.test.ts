/**
 * BLE end to end with no radio: the real @stoprocent/noble (HCI UART driver) on one end of a socat pty, the
 * simulator's VirtualController on the other. Covers the init handshake, badge discovery with raw manufacturer
 * data and rssi, connecting to a reader's Nordic UART Service, data both ways, disconnects, the scan watchdog,
 * and the Link contract for NobleLink.
 */
import {
  type BadgeAdvert,
  BleAdapter,
  CLOSE_LOST,
  CLOSE_REMOTE,
  NUS_NOTIFY,
  NUS_SERVICE,
  NUS_WRITE,
} from '@badgewire/host';
import { openTempPtyPair, peripheralLink, VirtualController, VirtualPeripheral } from '@badgewire/simulator';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, describeLinkContract, pattern, writeAll } from './contracts/link.contract';

interface Rig {
  adapter: BleAdapter;
  controller: VirtualController;
  dispose(): Promise<void>;
}

let rig: Promise<Rig> | undefined;
function getRig(): Promise<Rig> {
  rig ??= (async () => {
    const pty = await openTempPtyPair();
    const controller = await VirtualController.open(pty.b);
    const adapter = await BleAdapter.open({ uart: { port: pty.a }, poweredOnTimeoutMs: 20_000 });
    return {
      adapter,
      controller,
      dispose: async () => {
        adapter.close();
        await controller.close();
        await pty.dispose();
      },
    };
  })();
  return rig;
}
afterAll(async () => {
  if (rig) await (await rig).dispose();
});

let nextAddr = 1;
function newReader(mtu?: number): VirtualPeripheral {
  const n = nextAddr++;
  return new VirtualPeripheral({ address: `c0:ff:ee:00:01:${n.toString(16).padStart(2, '0')}`, mtu });
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, rej) => setTimeout(() => rej(new Error('timed out: ' + what)), ms)),
  ]);
}

/** Event-driven waiting: callbacks ping, `until` re-checks its predicate on each ping. */
function signal() {
  const subs: (() => void)[] = [];
  return {
    ping() {
      for (const s of subs.splice(0)) s();
    },
    until(pred: () => boolean, ms: number, what: string): Promise<void> {
      return within(
        new Promise<void>((r) => {
          const check = () => (pred() ? r() : subs.push(check));
          check();
        }),
        ms,
        what,
      );
    },
  };
}

describe('VirtualController + real noble over HCI UART', () => {
  it('completes the init handshake noble expects', async () => {
    const { controller } = await getRig();
    const seen = new Set(controller.commands);
    // Reset, LE features, event masks, local version, BD_ADDR, LE host supported, LE buffer size, scan params.
    for (const op of [0x0c03, 0x2003, 0x0c01, 0x2001, 0x1001, 0x1009, 0x0c6d, 0x0c6c, 0x2002, 0x200b]) {
      expect(seen.has(op), 'opcode 0x' + op.toString(16)).toBe(true);
    }
  });

  it('discovers an advertised badge frame with its manufacturer data intact and its rssi', async () => {
    const { adapter, controller } = await getRig();
    const got: BadgeAdvert[] = [];
    let wake: (() => void) | undefined;
    const scan = adapter.scanBadges(
      (a) => {
        got.push(a);
        wake?.();
      },
      { watchdogMs: 0 },
    );
    try {
      await within(controller.whenScanning(), 10_000, 'scan enable');
      const frame = pattern(20, 77);
      const mfr = Uint8Array.from([0xff, 0xff, ...frame]); // company 0xffff (testing) + frame
      const data = Uint8Array.from([0x02, 0x01, 0x06, mfr.length + 1, 0xff, ...mfr]);
      const arrived = new Promise<void>((r) => (wake = r));
      expect(controller.advertise({ addr: 'd1:23:45:67:89:ab', addrType: 'random', data, rssi: -57 })).toBe(
        true,
      );
      await within(arrived, 10_000, 'discover');
      const a = got[0] as BadgeAdvert;
      expect(a.address).toBe('d1:23:45:67:89:ab');
      expect(a.addressType).toBe('random');
      expect(Buffer.from(a.manufacturerData)).toEqual(Buffer.from(mfr));
      expect(a.rssi).toBe(-57);
    } finally {
      scan.stop();
    }
  });

  it('restarts a scan that went silent (watchdog)', async () => {
    const { adapter, controller } = await getRig();
    let count = 0;
    const sig = signal();
    const scan = adapter.scanBadges(
      () => {
        count++;
        sig.ping();
      },
      { watchdogMs: 300 },
    );
    try {
      await within(controller.whenScanning(), 10_000, 'scan enable');
      const mfr = Uint8Array.from([0x03, 0xff, 0xff, 0xff]);
      const beat = setInterval(
        () => controller.advertise({ addr: 'd1:00:00:00:00:02', addrType: 'random', data: mfr, rssi: -60 }),
        40,
      );
      try {
        await sig.until(() => count > 0, 10_000, 'first advert');
        controller.stuck = true; // still "scanning", reports nothing
        const before = count;
        await sig.until(
          () => scan.restarts > 0 && count > before,
          10_000,
          'watchdog restart and adverts again',
        );
        expect(controller.stuck).toBe(false);
      } finally {
        clearInterval(beat);
      }
    } finally {
      scan.stop();
    }
  });

  it('connects to a reader, finds NUS, exchanges data both ways, and sees the reader disconnect', async () => {
    const { adapter, controller } = await getRig();
    const reader = newReader();
    controller.addPeripheral(reader);
    const fromHost: number[] = [];
    const sig = signal();
    reader.endpoint.onData((b) => {
      fromHost.push(...b);
      sig.ping();
    });
    const link = await within(adapter.connect(reader.address), 15_000, 'connect');
    expect(reader.connected).toBe(true);
    expect([NUS_SERVICE, NUS_WRITE, NUS_NOTIFY].every((u) => u.length === 32)).toBe(true);

    const toHost = collect(link);
    const up = pattern(333, 5);
    await writeAll(link, up);
    await sig.until(() => fromHost.length >= up.length, 10_000, 'host -> reader');
    expect(Buffer.from(fromHost)).toEqual(Buffer.from(up));
    const down = pattern(257, 6);
    expect(reader.endpoint.write(down)).toBe(down.length);
    expect(Buffer.from(await toHost.waitFor(down.length, 10_000))).toEqual(Buffer.from(down));

    const closed = new Promise<number>((r) => link.onClose(r));
    reader.disconnect();
    expect(await within(closed, 10_000, 'disconnect')).toBe(CLOSE_REMOTE);
    expect(link.write(up)).toBeLessThan(0);
  });

  it('rejects an address nobody answers with a typed, transient E_BLE_CONNECT', async () => {
    const { adapter } = await getRig();
    const err = await adapter.connect('c0:ff:ee:99:99:99', { timeoutMs: 1500 }).catch((e) => e);
    expect(err.code).toBe('E_BLE_CONNECT');
    expect(err.transient).toBe(true);
  });
});

describeLinkContract(
  'NobleLink <-> virtual NUS peripheral (noble over HCI UART)',
  async ({ highWaterMark }) => {
    const { adapter, controller } = await getRig();
    const reader = newReader();
    controller.addPeripheral(reader);
    const a = await within(adapter.connect(reader.address, { highWaterMark }), 15_000, 'connect');
    const b = peripheralLink(reader);
    return {
      a,
      b,
      cut: () => controller.dropAll(),
      dispose: async () => {
        if (reader.connected) {
          const gone = new Promise<void>((r) => reader.onDisconnect(() => r()));
          a.close();
          await within(gone, 10_000, 'dispose disconnect');
        }
      },
    };
  },
  { closeReachesPeer: true, largeBytes: 16 * 1024 },
);

describe('BLE adapter loss', () => {
  it('unplugging the HCI UART closes open links with CLOSE_LOST and reports the adapter lost', async () => {
    const pty = await openTempPtyPair();
    const controller = await VirtualController.open(pty.b);
    const adapter = await BleAdapter.open({ uart: { port: pty.a }, poweredOnTimeoutMs: 20_000 });
    try {
      const reader = newReader();
      controller.addPeripheral(reader);
      const link = await within(adapter.connect(reader.address), 15_000, 'connect');
      const closed = new Promise<number>((r) => link.onClose(r));
      const lost = new Promise<string>((r) => adapter.onLost(r));
      await pty.kill();
      expect(await within(closed, 10_000, 'link closed')).toBe(CLOSE_LOST);
      expect(await within(lost, 10_000, 'adapter lost')).toMatch(/poweredOff|disappeared/);
      expect(link.write(pattern(4, 1))).toBeLessThan(0);
    } finally {
      adapter.close();
      await controller.close();
      await pty.dispose();
    }
  });
});

describe('badge scan filter', () => {
  it('passes only the configured company id', async () => {
    const { adapter, controller } = await getRig();
    const got: BadgeAdvert[] = [];
    const sig = signal();
    const scan = adapter.scanBadges(
      (a) => {
        got.push(a);
        sig.ping();
      },
      { watchdogMs: 0, companyId: 0x0590 },
    );
    try {
      await within(controller.whenScanning(), 10_000, 'scan enable');
      const ad = (company: number, tag: number) =>
        Uint8Array.from([5, 0xff, company & 0xff, company >> 8, tag, tag]);
      controller.advertise({ addr: 'd1:00:00:00:00:10', addrType: 'random', data: ad(0x0059, 1), rssi: -40 });
      controller.advertise({ addr: 'd1:00:00:00:00:11', addrType: 'random', data: ad(0x0590, 2), rssi: -41 });
      await sig.until(() => got.length >= 1, 10_000, 'filtered advert');
      expect(got.map((a) => a.address)).toEqual(['d1:00:00:00:00:11']);
      expect(Array.from(got[0]?.manufacturerData ?? [])).toEqual([0x90, 0x05, 2, 2]);
    } finally {
      scan.stop();
    }
  });
});
