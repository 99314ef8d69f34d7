/**
 * The BLE supervision logic on its own (unit, fake adapter; the real noble path is test/bridge-ble*.test.ts):
 * backoff that doubles to its cap with jitter in the upper half, a reader found by name before connecting,
 * typed errors reported for each failure, the shared adapter reopened after a loss, and stop() ending all.
 */
import type { Link } from '@badgewire/protocol';
import { describe, expect, it } from 'vitest';
import {
  type BleAdapter,
  type BleAdapterHandle,
  type NobleLink,
  sharedBleAdapter,
  superviseBle,
  TransportError,
} from '../src/transport/index';

class FakeLink implements Link {
  private closers: ((c: number) => void)[] = [];
  closed = false;
  write(b: Uint8Array): number {
    return b.length;
  }
  onData(): void {}
  onClose(cb: (c: number) => void): void {
    this.closers.push(cb);
  }
  close(): void {
    this.drop(1);
  }
  drop(code = 2): void {
    if (this.closed) return;
    this.closed = true;
    for (const cb of this.closers) cb(code);
  }
}

function fakeAdapter(plan: ('fail' | 'ok')[]) {
  const calls: { at: number; address: string; addressType: string | undefined }[] = [];
  const links: FakeLink[] = [];
  const lost: ((why: string) => void)[] = [];
  const t0 = Date.now();
  const adapter = {
    findByName: async (name: string) => {
      expect(name).toBe('bw-door-9');
      return { address: 'c0:ff:ee:00:00:99', addressType: 'public' as const };
    },
    connect: async (address: string, o: { addressType?: string }) => {
      calls.push({ at: Date.now() - t0, address, addressType: o.addressType });
      if ((plan.shift() ?? 'ok') === 'fail')
        throw new TransportError('E_BLE_CONNECT', 'timed out connecting to ' + address, 'check', true);
      const l = new FakeLink();
      links.push(l);
      return l as unknown as NobleLink;
    },
    onLost: (cb: (why: string) => void) => void lost.push(cb),
    close: () => undefined,
  };
  return { adapter: adapter as unknown as BleAdapter, calls, links, lost };
}

const until = async (f: () => boolean, ms = 5000) => {
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('superviseBle', () => {
  it('finds by name, retries with doubling jittered backoff, hands on the link, reconnects when it drops', async () => {
    const f = fakeAdapter(['fail', 'fail', 'fail', 'ok', 'ok']);
    const handle: BleAdapterHandle = { get: async () => f.adapter, close: () => undefined };
    const errors: string[] = [];
    const got: Link[] = [];
    const sup = superviseBle({
      adapter: handle,
      target: { name: 'bw-door-9', addressType: 'random' },
      connectTimeoutMs: 1000,
      reconnect: { minMs: 40, maxMs: 100 },
      onLink: (l) => got.push(l),
      onError: (e) => errors.push(e.code),
      random: () => 1, // the top of the jitter range: waits are exactly 40, 80, 100 (capped)
    });
    try {
      await until(() => got.length === 1);
      expect(errors).toEqual(['E_BLE_CONNECT', 'E_BLE_CONNECT', 'E_BLE_CONNECT']);
      expect(f.calls.map((c) => [c.address, c.addressType])).toEqual(
        Array(4).fill(['c0:ff:ee:00:00:99', 'public']),
      );
      const gaps = f.calls.slice(1).map((c, i) => c.at - (f.calls[i]?.at ?? 0));
      expect(gaps[0]).toBeGreaterThanOrEqual(38);
      expect(gaps[1]).toBeGreaterThanOrEqual(78);
      expect(gaps[2]).toBeGreaterThanOrEqual(98);
      expect(gaps[2]).toBeLessThan(100 + 80); // capped, not 160
      expect(sup.connects).toBe(1);
      f.links[0]?.drop();
      await until(() => got.length === 2);
      expect(sup.connects).toBe(2);
    } finally {
      sup.stop();
    }
    expect(f.links[1]?.closed).toBe(true); // stop() closes the live link
    const n = f.calls.length;
    await new Promise((r) => setTimeout(r, 250));
    expect(f.calls.length).toBe(n); // and nothing retries after stop()
  });
});

describe('sharedBleAdapter', () => {
  it('opens once for every reader, reopens after the adapter is lost, and reports open failures to each caller', async () => {
    let opens = 0;
    const made: ReturnType<typeof fakeAdapter>[] = [];
    const handle = sharedBleAdapter({ deviceId: 3 }, async (o) => {
      expect(o.deviceId).toBe(3);
      opens++;
      if (opens === 2)
        throw new TransportError('E_BLE_NO_ADAPTER', 'no adapter on hci3', 'plug one in', true);
      const f = fakeAdapter([]);
      made.push(f);
      return f.adapter;
    });
    const [a, b] = await Promise.all([handle.get(), handle.get()]);
    expect(a).toBe(b);
    expect(opens).toBe(1);
    for (const cb of made[0]?.lost ?? []) cb('HCI UART gone');
    await expect(handle.get()).rejects.toMatchObject({ code: 'E_BLE_NO_ADAPTER' });
    const c = await handle.get();
    expect(opens).toBe(3);
    expect(c).not.toBe(a);
    handle.close();
    await expect(handle.get()).rejects.toMatchObject({ code: 'E_BLE_UNAVAILABLE' });
  });
});
