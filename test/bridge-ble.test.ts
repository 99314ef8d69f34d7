/**
 * Issue #5, BLE readers end to end with no radio: the real bridge (`startBridge` from a config file whose only
 * reader is `{ type: "ble", name: ... }` and whose adapter is an HCI UART) runs the real @stoprocent/noble on
 * one end of a socat pty; the simulator's VirtualController is on the other, with a named NUS peripheral whose
 * byte stream is the `Bluetooth` serial of the real reader firmware (Espruino runtime, `"link": "ble"`). The
 * bridge finds the reader by its advertised name, connects, runs the BW-SC session over NUS, journals a badge
 * sighting and streams it over HTTPS (JWT); when the reader drops the connection the bridge reconnects.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAdvertisement, ephId, nobleAes } from '@badgewire/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bridge, startBridge } from '../host/src/bridge';
import { loadConfig } from '../host/src/config/index';
import type { JournalEvent } from '../host/src/journal/index';
import { createLogger } from '../host/src/log/index';
import { call, openStream } from '../host/test/api-fixtures';
import { attachBoardSerial, VirtualController, VirtualPeripheral } from '../simulator/src/hci/index';
import { openTempPtyPair } from '../simulator/src/links/pty';
import {
  bundle,
  makeSite,
  type Site,
  siteApi,
  siteToken,
  until,
  VirtualReader,
  wallClock,
} from './bridge-rig';

const NAME = 'bw-door-ble';
let dir: string;
let site: Site;
let bridge: Bridge;
let reader: VirtualReader;
let controller: VirtualController;
let peripheral: VirtualPeripheral;
let pty: Awaited<ReturnType<typeof openTempPtyPair>>;
const wall = wallClock();
const logLines: string[] = [];

const token = (scope: string) => siteToken(site, scope);
const api = () => siteApi(site, bridge.api?.port) as Parameters<typeof call>[0];

const rows = (): JournalEvent[] => bridge.stores.get('acme').journal.read(0, 100_000);

function sighting(b: Site['badges'][number], rssi: number): boolean {
  const eph = ephId(nobleAes, b.kId, Math.floor(Date.now() / 1000 / 256));
  return (
    reader.dev.radio.hooks?.deliver({
      id: 'c1:02:03:04:05:06 random',
      rssi,
      data: encodeAdvertisement(0xffff, eph),
    }) ?? false
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-e2e-ble-'));
  pty = await openTempPtyPair();
  controller = await VirtualController.open(pty.b);
  site = makeSite(join(dir, 'site'), {
    hostPath: '/dev/null',
    transport: { type: 'ble', name: NAME },
    ble: { adapter: { uart: pty.a }, reconnect: { minMs: 200, maxMs: 1000 }, connectTimeoutMs: 5000 },
  });
  reader = new VirtualReader((await bundle('puckjs', 'reader')).code, wall.clock, {
    id: site.readerId,
    key: site.readerKey,
    link: 'ble',
  });
  peripheral = new VirtualPeripheral({ address: 'c0:ff:ee:00:b1:e1', name: NAME });
  controller.addPeripheral(peripheral);
  attachBoardSerial(peripheral, reader.dev.serial('Bluetooth'), { pump: () => wall.clock.advance(0) });
  bridge = await startBridge(loadConfig(site.configFile), {
    env: site.env,
    log: createLogger({ level: 'debug', sink: { write: (l) => void logLines.push(l) } }),
    print: () => undefined,
  });
}, 60_000);

afterAll(async () => {
  await bridge?.stop();
  wall.stop();
  await controller?.close();
  await pty?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('bridge with a BLE reader (noble over HCI UART <-> virtual controller <-> reader firmware)', () => {
  it('finds the reader by its advertised name, brings the session up, and a sighting reaches the journal and the SSE stream', async () => {
    await until('BLE reader online', () => bridge.hub.state(site.readerId) === 'online', 30_000);
    expect(peripheral.connected).toBe(true);
    const listed = await call(api(), '/v1/readers', { token: await token('events:read') });
    expect(listed.status).toBe(200);
    expect(listed.text).toContain('"transport":"ble"');
    expect(listed.text).toContain('"state":"online"');

    const b0 = site.badges[0] as Site['badges'][number];
    const after = bridge.stores.get('acme').journal.lastPos();
    const stream = openStream(api(), `/v1/events?after=${after}&kind=sighting`, await token('events:read'));
    expect(await stream.status).toBe(200);
    expect(sighting(b0, -58)).toBe(true);
    const ev = (await stream.waitFor(1, 10_000))[0];
    stream.abort();
    const data = JSON.parse(ev?.data ?? '{}');
    expect(data).toMatchObject({ kind: 'sighting', readerId: site.readerId });
    expect(data.data).toMatchObject({ ref: b0.ref, rssi: -58 });
    expect(rows().filter((r) => r.kind === 'sighting')).toHaveLength(1);
  }, 60_000);

  it('reconnects with backoff after the reader drops the connection, and the next sighting flows', async () => {
    const before = bridge.hub.state(site.readerId);
    expect(before).toBe('online');
    peripheral.disconnect();
    await until('the bridge sees the reader go', () => bridge.hub.state(site.readerId) !== 'online', 10_000);
    await until('BLE reader online again', () => bridge.hub.state(site.readerId) === 'online', 30_000);
    expect(peripheral.connected).toBe(true);
    const b1 = site.badges[1] as Site['badges'][number];
    const n = rows().filter((r) => r.kind === 'sighting').length;
    expect(sighting(b1, -66)).toBe(true);
    const got = await until(
      'the second sighting journalled',
      () => rows().find((r) => r.kind === 'sighting' && r.data.ref === b1.ref),
      10_000,
    );
    expect(got.data).toMatchObject({ rssi: -66 });
    expect(rows().filter((r) => r.kind === 'sighting')).toHaveLength(n + 1);
    // Logs name the reader and transport faults by code only: no badge keys, serials or the reader key.
    const log = logLines.join('');
    expect(log).toContain('BLE reader connected');
    for (const b of site.badges) {
      expect(log).not.toContain(Buffer.from(b.kId).toString('hex'));
      expect(log).not.toContain(b.serial);
    }
    expect(log).not.toContain(Buffer.from(site.readerKey).toString('hex'));
  }, 60_000);
});
