/**
 * The bridge machine as its own reader (`"transport": { "type": "ble-scan" }`): the real bridge scans with the
 * real @stoprocent/noble over an HCI UART pty; the simulator's VirtualController reports a badge's
 * advertisements. Each becomes a SIGHTING for the decision engine (resolved to the badge's ref, journalled),
 * repeats of one advertisement within `dedupMs` are dropped as the reader firmware drops them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAdvertisement, ephId, nobleAes } from '@badgewire/protocol';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bridge, startBridge } from '../host/src/bridge';
import { loadConfig } from '../host/src/config/index';
import type { JournalEvent } from '../host/src/journal/index';
import { createLogger } from '../host/src/log/index';
import { call } from '../host/test/api-fixtures';
import { VirtualController } from '../simulator/src/hci/index';
import { openTempPtyPair } from '../simulator/src/links/pty';
import { makeSite, type Site, until } from './bridge-rig';

let dir: string;
let site: Site;
let bridge: Bridge;
let controller: VirtualController;
let pty: Awaited<ReturnType<typeof openTempPtyPair>>;

/** GET /v1/readers over HTTPS with a JWT, as an integrator sees the bridge's own scan. */
async function listed(): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ tenant: 'acme', scope: 'events:read' })
    .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
    .setIssuer('acme-ops')
    .setAudience('https://bridge.e2e')
    .setSubject('ops')
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(site.secret);
  const ca = readFileSync(join(site.dir, 'data', 'tls', 'bridge-cert.pem'), 'utf8');
  const r = await call({ port: bridge.api?.port ?? 0, ca } as Parameters<typeof call>[0], '/v1/readers', {
    token,
  });
  return r.text;
}

const sightings = (): JournalEvent[] =>
  bridge.stores
    .get('acme')
    .journal.read(0, 10_000)
    .filter((r) => r.kind === 'sighting');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-ble-scan-'));
  pty = await openTempPtyPair();
  controller = await VirtualController.open(pty.b);
  site = makeSite(join(dir, 'site'), {
    hostPath: '/dev/null',
    readerId: 'c0ffee00000000b5',
    transport: { type: 'ble-scan', companyId: 0xffff, dedupMs: 1500, watchdogMs: 0 },
    ble: { adapter: { uart: pty.a }, reconnect: { minMs: 200, maxMs: 1000 } },
  });
  bridge = await startBridge(loadConfig(site.configFile), {
    env: site.env,
    log: createLogger({ level: 'silent' }),
    print: () => undefined,
  });
}, 60_000);

afterAll(async () => {
  await bridge?.stop();
  await controller?.close();
  await pty?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('bridge scanning for badges with its own adapter', () => {
  it('journals a resolved sighting per advertisement, dropping repeats within dedupMs', async () => {
    await until('the bridge scanning', () => controller.scanning, 20_000);
    const readers = await listed();
    expect(readers).toContain('"state":"online"');
    expect(readers).toContain('"transport":"ble"');
    const b0 = site.badges[0] as Site['badges'][number];
    const adv = () =>
      encodeAdvertisement(0xffff, ephId(nobleAes, b0.kId, Math.floor(Date.now() / 1000 / 256)));
    const send = (rssi: number) =>
      controller.advertise({ addr: 'd1:23:45:67:89:01', addrType: 'random', data: adv(), rssi });
    for (let i = 0; i < 5; i++) expect(send(-55 - i)).toBe(true);
    const first = await until('a sighting', () => sightings()[0], 10_000);
    expect(first).toMatchObject({ readerId: site.readerId, data: { ref: b0.ref, rssi: -55 } });
    // Another company id is filtered out by the scan; an unknown EphID is journalled with its refusal.
    controller.advertise({
      addr: 'd1:23:45:67:89:02',
      addrType: 'random',
      data: encodeAdvertisement(0x0059, new Uint8Array(16).fill(7)),
      rssi: -40,
    });
    controller.advertise({
      addr: 'd1:23:45:67:89:03',
      addrType: 'random',
      data: encodeAdvertisement(0xffff, new Uint8Array(16).fill(9)),
      rssi: -41,
    });
    await until(
      'the unknown badge',
      () => sightings().find((s) => s.data.error === 'E_BADGE_UNKNOWN'),
      10_000,
    );
    expect(sightings().filter((s) => s.data.ref === b0.ref)).toHaveLength(1);
    expect(sightings()).toHaveLength(2);
    // Past dedupMs the same badge counts again.
    await new Promise((r) => setTimeout(r, 1600));
    send(-70);
    await until(
      'the badge again',
      () => sightings().filter((s) => s.data.ref === b0.ref).length === 2,
      10_000,
    );
    expect(sightings().at(-1)?.data).toMatchObject({ ref: b0.ref, rssi: -70 });
  }, 60_000);
});
