/**
 * Issue #5 end to end over REAL pseudo-terminals: the reader firmware (Espruino runtime, PN532 emulator, badge
 * firmware as the tag) on one end of a socat pty pair, the real bridge (`startBridge` from a config file:
 * sealed key store, serial supervisor + SerialLink, ReaderHub, decision engine, SQLite journal, HTTPS API with
 * JWTs, MQTT to a real mosquitto) on the other. Attacks come in through the same radio and wire a real
 * attacker would use: a cloned tag replaying or tampering a recorded answer, a reader with the wrong key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAdvertisement, encodeTap, ephId, HDR_TAP_S, nobleAes } from '@badgewire/protocol';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bridge, startBridge } from '../host/src/bridge';
import { loadConfig } from '../host/src/config/index';
import type { JournalEvent } from '../host/src/journal/index';
import { createLogger } from '../host/src/log/index';
import { call, openStream } from '../host/test/api-fixtures';
import { type Broker, freePort, mosquitto } from '../host/test/mqtt-broker';
import type { VirtualTag } from '../simulator/src/chips/pn532';
import {
  bundle,
  Cable,
  makeSite,
  type Site,
  siteApi,
  siteToken,
  until,
  VirtualReader,
  virtualBadge,
  wallClock,
} from './bridge-rig';

let dir: string;
let broker: Broker;
let site: Site;
let cable: Cable;
let bridge: Bridge;
let reader: VirtualReader;
let mqtt: MqttClient;
const published: { topic: string; body: Record<string, unknown> }[] = [];
const logLines: string[] = [];
const wall = wallClock();
let badgeCode: string;

const token = (scope: string) => siteToken(site, scope);
const api = () => siteApi(site, bridge.api?.port) as Parameters<typeof call>[0];

const rows = (): JournalEvent[] => bridge.stores.get('acme').journal.read(0, 100_000);
const taps = () => rows().filter((r) => r.kind === 'tap');
const decisions = () => rows().filter((r) => r.kind === 'decision');

/** Waits for the session, then for the door's first challenge pool to reach the reader (a message away). */
async function online(): Promise<void> {
  await until('reader online', () => bridge.hub.state(site.readerId) === 'online', 15_000);
  await new Promise((r) => setTimeout(r, 1000));
}

/** Puts a tag on the reader until the host answered its tap, then takes it away. */
async function present(tag: VirtualTag): Promise<JournalEvent> {
  const n = decisions().length;
  reader.chip.place(tag);
  await until('a decision for the tap', () => decisions().length > n, 8000);
  reader.chip.place(null);
  await new Promise((r) => setTimeout(r, 500)); // an empty poll (every 200 ms) re-arms the reader
  return decisions()[n] as JournalEvent;
}

/** A cloned tag: answers SELECT like a badge, then always with `frame` (whatever challenge it is sent). */
function clonedTag(frame: Uint8Array): VirtualTag {
  return {
    uid: Uint8Array.from([0x08, 9, 9, 9, 9, 9, 9]),
    isoDep: true,
    transceive: (apdu) => (apdu[1] === 0xa4 ? Uint8Array.of(0x90, 0) : Uint8Array.from([...frame, 0x90, 0])),
    field: () => undefined,
  };
}

/** Wraps a tag and keeps every 33-byte tap frame it answered (what an eavesdropper on the RF would record). */
function recording(tag: VirtualTag, frames: Uint8Array[]): VirtualTag {
  return {
    ...tag,
    transceive: (apdu) => {
      const r = tag.transceive(apdu);
      if (r && r.length === 35) frames.push(r.slice(0, 33));
      return r;
    },
    field: (on) => tag.field?.(on),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-e2e-'));
  const port = await freePort();
  broker = mosquitto(dir, port);
  await broker.start();
  cable = new Cable(join(dir, 'host-tty'), join(dir, 'dev-tty'));
  await cable.plug();
  site = makeSite(join(dir, 'site'), { hostPath: cable.host, mqttPort: port });
  bridge = await startBridge(loadConfig(site.configFile), {
    env: site.env,
    log: createLogger({ level: 'debug', sink: { write: (l) => void logLines.push(l) } }),
    print: () => undefined,
  });
  mqtt = await connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  mqtt.on('message', (topic, payload) => published.push({ topic, body: JSON.parse(payload.toString()) }));
  await mqtt.subscribeAsync('bw/acme/#', { qos: 1 });
  reader = new VirtualReader((await bundle('puckjs', 'reader')).code, wall.clock, {
    id: site.readerId,
    key: site.readerKey,
  });
  badgeCode = (await bundle('puckjs', 'badge')).code;
  await reader.attach(cable.device);
  await online();
}, 60_000);

afterAll(async () => {
  await mqtt?.endAsync();
  await reader?.detach();
  await bridge?.stop();
  wall.stop();
  await cable?.unplug();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('bridge end to end over a real pty (reader firmware <-> SerialLink)', () => {
  it('an entitled badge taps: the bridge verifies, journals, decides, and the door relay pulses', async () => {
    const b0 = site.badges[0] as Site['badges'][number];
    const ent = await call(api(), '/v1/entitlements', {
      method: 'POST',
      token: await token('admin'),
      body: {
        badgeRef: b0.ref,
        doors: ['main'],
        validFrom: Date.now() - 60_000,
        validUntil: Date.now() + 3_600_000,
      },
    });
    expect(ent.status).toBeLessThan(300);
    const badge = virtualBadge(badgeCode, wall.clock, b0);
    const d = await present(badge.tag());
    expect(d.data).toMatchObject({ ref: b0.ref, allow: true, reason: 'granted', door: 'main' });
    const tap = taps().at(-1) as JournalEvent;
    expect(tap.data).toMatchObject({ ref: b0.ref, mode: 'C', result: 'ok' });
    expect(tap.id).toMatch(new RegExp(`^${site.readerId}:\\d+$`));
    // The relay: on, then off after the policy's pulse (3 s).
    await until('relay pulse', () => reader.relayTrace().length >= 2, 6000);
    expect(reader.relayTrace()).toEqual([1, 0]);
    const h = reader.dev.pins.history('D26');
    expect((h[1]?.t as number) - (h[0]?.t as number)).toBe(3000);
    // A badge with no entitlement is refused and the relay stays shut.
    const other = await present(
      virtualBadge(badgeCode, wall.clock, site.badges[1] as Site['badges'][number]).tag(),
    );
    expect(other.data).toMatchObject({ allow: false, reason: 'unknown-badge' });
    await new Promise((r) => setTimeout(r, 300));
    expect(reader.relayTrace()).toEqual([1, 0]);
    expect(badge.dev.errors).toEqual([]);
  }, 30_000);

  it('a BLE sighting reaches the journal, the HTTPS event stream (JWT) and MQTT', async () => {
    const b0 = site.badges[0] as Site['badges'][number];
    const after = bridge.stores.get('acme').journal.lastPos();
    const stream = openStream(api(), `/v1/events?after=${after}&kind=sighting`, await token('events:read'));
    expect(await stream.status).toBe(200);
    const eph = ephId(nobleAes, b0.kId, Math.floor(Date.now() / 1000 / 256));
    expect(
      reader.dev.radio.hooks?.deliver({
        id: 'c1:02:03:04:05:06 random',
        rssi: -61,
        data: encodeAdvertisement(0xffff, eph),
      }),
    ).toBe(true);
    const ev = (await stream.waitFor(1, 8000))[0];
    stream.abort();
    const data = JSON.parse(ev?.data ?? '{}');
    expect(data).toMatchObject({ kind: 'sighting', readerId: site.readerId });
    expect(data.data).toMatchObject({ ref: b0.ref, rssi: -61 });
    const m = await until('MQTT publish', () =>
      published.find((p) => p.topic === `bw/acme/sighting/${site.readerId}`),
    );
    expect(m.body).toMatchObject({ id: data.id, data: { ref: b0.ref } });
  }, 20_000);

  it('refuses a replayed tap, a tampered tap, a counter-mode downgrade and a reader with the wrong key', async () => {
    const b0 = site.badges[0] as Site['badges'][number];
    const frames: Uint8Array[] = [];
    await present(recording(virtualBadge(badgeCode, wall.clock, b0).tag(), frames));
    expect(frames).toHaveLength(1);
    const pulses = reader.relayTrace().length;
    const replay = await present(clonedTag(frames[0] as Uint8Array));
    const tampered = Uint8Array.from(frames[0] as Uint8Array);
    tampered[20] = (tampered[20] as number) ^ 0x40;
    const forged = await present(clonedTag(tampered));
    // A genuine counter-mode frame (no challenge) offered to a door that issued one.
    const t = Math.floor(Date.now() / 1000);
    const modeS = encodeTap(
      nobleAes,
      b0.kTap,
      ephId(nobleAes, b0.kId, Math.floor(t / 256)),
      HDR_TAP_S,
      999,
      t,
      new Uint8Array(8),
    );
    const downgrade = await present(clonedTag(modeS));
    for (const d of [replay, forged, downgrade]) expect(d.data.allow).toBe(false);
    expect(
      taps()
        .slice(-3)
        .map((r) => r.data.result),
    ).toEqual(['E_BADGE_REPLAY', 'E_BADGE_FORGED', 'E_BADGE_HEADER']);
    const alerts = rows()
      .filter((r) => r.kind === 'alert')
      .map((r) => r.data.error);
    expect(alerts).toEqual(expect.arrayContaining(['E_BADGE_REPLAY', 'E_BADGE_FORGED']));
    await new Promise((r) => setTimeout(r, 300));
    expect(reader.relayTrace().length).toBe(pulses);

    // An impostor with the reader's id but not its key, plugged in after the real reader is unplugged: the
    // host's handshake fails, it never comes online, and nothing it sends is journalled.
    await reader.detach();
    await cable.unplug();
    await until('reader offline', () => bridge.hub.state(site.readerId) === 'offline', 10_000);
    const n = rows().length;
    await cable.plug();
    const impostor = new VirtualReader((await bundle('puckjs', 'reader')).code, wall.clock, {
      id: site.readerId,
      key: new Uint8Array(32).fill(0x5a),
    });
    await impostor.attach(cable.device);
    // The host keeps offering handshakes (HELLO, bound to the real key); the impostor cannot complete one.
    await until('a handshake attempt', () => impostor.rx > 0, 15_000);
    impostor.dev.radio.hooks?.deliver({
      id: 'c1:02:03:04:05:07 random',
      rssi: -50,
      data: encodeAdvertisement(0xffff, new Uint8Array(16).fill(1)),
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(bridge.hub.state(site.readerId)).not.toBe('online');
    expect(rows().length).toBe(n);
    await impostor.detach();
    await cable.unplug();
    await cable.plug();
    await reader.attach(cable.device);
    await online();
    // Logs carry no badge keys, serials or the reader key.
    const log = logLines.join('');
    for (const b of site.badges) {
      expect(log).not.toContain(Buffer.from(b.kTap).toString('hex'));
      expect(log).not.toContain(b.serial);
    }
    expect(log).not.toContain(Buffer.from(site.readerKey).toString('hex'));
  }, 40_000);
});
