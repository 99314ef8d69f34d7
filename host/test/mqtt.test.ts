import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../src/api/metrics';
import { TenantStores } from '../src/journal/tenants';
import type { EventKind } from '../src/journal/types';
import { createLogger } from '../src/log/index';
import { fileCursor } from '../src/output/cursor';
import { createMqttOutput, MqttOutputError, type MqttOutputOptions } from '../src/output/mqtt';
import { ensureCertificate } from '../src/tls/cert';
import { type Broker, freePort, mosquitto } from './mqtt-broker';

const dir = mkdtempSync(join(tmpdir(), 'bw-mqtt-'));
const logs: string[] = [];
const log = createLogger({ sink: { write: (l: string) => logs.push(l) } });
const stores = new TenantStores({ dataDir: dir, keys: { journalKey: () => key }, windowMs: 0 });
const key = randomBytes(32);
const brokers: Broker[] = [];
const clients: MqttClient[] = [];
let broker: Broker;
let n = 0;

const journal = (t = 'acme') => stores.get(t).journal;
async function append(count: number, kind: EventKind = 'decision', tenant = 'acme') {
  for (let i = 0; i < count; i++) {
    n++;
    await journal(tenant).append({
      id: `door-1:${n}`,
      kind,
      readerId: 'door-1',
      at: 1_700_000_000_000 + n,
      data: { outcome: 'granted', secretish: 'zz-payload-marker' },
    });
  }
}

/** Concurrent appends share group commits, so a large backlog is written quickly. */
async function appendMany(count: number) {
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    n++;
    all.push(
      journal().append({
        id: `door-1:${n}`,
        kind: 'decision',
        readerId: 'door-1',
        at: 1_700_000_000_000 + n,
        data: { outcome: 'granted' },
      }),
    );
  }
  await Promise.all(all);
}

interface Got {
  topic: string;
  id: string;
  pos: number;
  eventIdProp: string | undefined;
  rowExisted: boolean;
}

async function subscriber(port: number, extra: IClientOptions = {}, proto = 'mqtt', ca?: string) {
  const got: Got[] = [];
  const c = await connectAsync(`${proto}://${proto === 'mqtts' ? 'localhost' : '127.0.0.1'}:${port}`, {
    protocolVersion: 5,
    reconnectPeriod: 0,
    ...(ca ? { ca } : {}),
    ...extra,
  });
  clients.push(c);
  c.on('message', (topic, payload, packet) => {
    const ev = JSON.parse(payload.toString('utf8'));
    const prop = packet.properties?.userProperties?.['event-id'];
    // the row must already be durable in the journal when its message arrives
    const row = journal(topic.split('/')[1]).read(ev.pos - 1, 1)[0];
    got.push({
      topic,
      id: ev.id,
      pos: ev.pos,
      eventIdProp: Array.isArray(prop) ? prop[0] : prop,
      rowExisted: row?.id === ev.id,
    });
  });
  await c.subscribeAsync('badgewire/#', { qos: 1 });
  return { c, got };
}

async function until(cond: () => boolean, ms = 8000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function output(port: number, extra: Partial<MqttOutputOptions> = {}) {
  return createMqttOutput({
    url: `mqtt://127.0.0.1:${port}`,
    tenant: 'acme',
    journal: journal(),
    cursor: fileCursor(join(dir, 'cursor-acme.json')),
    log,
    reconnectPeriodMs: 200,
    ...extra,
  });
}

beforeAll(async () => {
  broker = mosquitto(dir, await freePort());
  brokers.push(broker);
  await broker.start();
});

afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => undefined);
  for (const b of brokers) await b.stop();
  await stores.closeAll();
  rmSync(dir, { recursive: true, force: true });
});
process.on('exit', () => {
  for (const b of brokers) void b.stop();
});

describe('MQTT output (real Mosquitto)', () => {
  it('publishes decisions and sightings at QoS 1 with the journal event id, skipping other kinds', async () => {
    const sub = await subscriber(broker.port);
    await append(3, 'decision');
    await append(1, 'tap');
    await append(2, 'sighting');
    const metrics = new MetricsRegistry();
    const out = output(broker.port, { metrics });
    await out.start();
    await out.drained();
    await until(() => sub.got.length >= 5);
    await out.stop();
    expect(sub.got.map((g) => g.id)).toEqual(['door-1:1', 'door-1:2', 'door-1:3', 'door-1:5', 'door-1:6']);
    for (const g of sub.got) {
      expect(g.eventIdProp).toBe(g.id);
      expect(g.rowExisted).toBe(true);
    }
    expect(sub.got[3]!.topic).toBe('badgewire/acme/sighting/door-1');
    expect(out.acked()).toBe(6);
    expect(fileCursor(join(dir, 'cursor-acme.json')).load()).toBe(6);
    expect(metrics.counter('badgewire_mqtt_published_total', '').get()).toBe(5);
    await sub.c.endAsync();
  });

  it('publishes new journal writes as they become durable, and resumes from its cursor after a restart', async () => {
    const sub = await subscriber(broker.port);
    const out = output(broker.port);
    await out.start();
    await append(2);
    await out.drained();
    await until(() => sub.got.length >= 2);
    await out.stop();
    await append(2); // written while the output is down
    const again = output(broker.port);
    await again.start();
    await again.drained();
    await until(() => sub.got.length >= 4);
    await again.stop();
    expect(sub.got.map((g) => g.pos)).toEqual([7, 8, 9, 10]);
    await sub.c.endAsync();
  });

  it('rides out a broker outage and delivers what was journalled meanwhile', async () => {
    const out = output(broker.port, { reconnectPeriodMs: 1500 });
    await out.start();
    const before = out.acked();
    await broker.stop();
    const lost = () => logs.filter((l) => l.includes('mqtt connection lost')).length;
    const l0 = lost();
    await until(() => lost() > l0);
    await append(4);
    await new Promise((r) => setTimeout(r, 100));
    expect(out.acked()).toBe(before);
    // the output's next attempt is >= 1.5 s after its last failure; subscribe before it
    const l1 = lost();
    await until(() => lost() > l1, 5000);
    await broker.start();
    const sub = await subscriber(broker.port);
    await out.drained();
    await until(() => sub.got.length >= 4);
    expect(sub.got.map((g) => g.pos)).toEqual([11, 12, 13, 14]);
    expect(out.acked()).toBe(14);
    await out.stop();
    await sub.c.endAsync();
  });

  it('re-sends QoS 1 messages that were in flight when the broker died, then catches up', async () => {
    const out = output(broker.port, { reconnectPeriodMs: 1500, maxInFlight: 16 });
    const from = out.acked();
    await appendMany(1000);
    const firstAck = out.drained(from + 1);
    await out.start();
    await firstAck;
    await broker.stop(); // SIGKILL right after the first PUBACK: the rest of the window is in flight
    const atKill = out.acked();
    expect(atKill).toBeLessThan(journal().lastPos());
    const lost = () => logs.filter((l) => l.includes('mqtt connection lost')).length;
    const l1 = lost();
    await until(() => lost() > l1, 5000);
    await broker.start();
    const sub = await subscriber(broker.port);
    await out.drained();
    const last = journal().lastPos();
    expect(out.acked()).toBe(last);
    await until(() => new Set(sub.got.map((g) => g.pos)).size >= last - atKill);
    // every position after the last recorded ack arrives, each under its own stable event id
    const byPos = new Map(sub.got.map((g) => [g.pos, g.eventIdProp]));
    for (let p = atKill + 1; p <= last; p++) expect(byPos.get(p)).toBe(journal().read(p - 1, 1)[0]!.id);
    await out.stop();
    await sub.c.endAsync();
  });

  it('re-publishes with the same event ids after a crash before the cursor write, so consumers can de-duplicate', async () => {
    const sub = await subscriber(broker.port);
    const cursorPath = join(dir, 'cursor-acme.json');
    const first = output(broker.port);
    await first.start();
    await append(3);
    await first.drained();
    await until(() => sub.got.length >= 3);
    await first.stop();
    const last = journal().lastPos();
    fileCursor(cursorPath).save(last - 3); // as if the last three PUBACKs were never recorded
    const again = output(broker.port);
    await again.start();
    await append(1);
    await again.drained();
    await until(() => sub.got.length >= 7);
    await again.stop();
    expect(sub.got.map((g) => g.pos)).toEqual([last - 2, last - 1, last, last - 2, last - 1, last, last + 1]);
    // a duplicate carries exactly the id of its first delivery, so de-duplicating by id restores the journal
    for (let k = 0; k < 3; k++) expect(sub.got[k + 3]!.eventIdProp).toBe(sub.got[k]!.eventIdProp);
    const unique = [...new Set(sub.got.map((g) => g.eventIdProp))];
    expect(unique).toEqual(
      journal()
        .read(last - 3, 10)
        .map((e) => e.id),
    );
    await sub.c.endAsync();
  });

  it('QoS 1: a persistent subscriber that was away receives what was published meanwhile', async () => {
    const opts = { clientId: 'bw-persist-sub', clean: false, properties: { sessionExpiryInterval: 300 } };
    const first = await subscriber(broker.port, opts);
    await first.c.endAsync();
    const out = output(broker.port);
    await out.start();
    const firstNew = n + 1;
    await append(3);
    await out.drained();
    await out.stop();
    // queued messages may arrive right behind the CONNACK: listen before connecting
    const back = connect(`mqtt://127.0.0.1:${broker.port}`, {
      protocolVersion: 5,
      reconnectPeriod: 0,
      ...opts,
    });
    clients.push(back);
    const ids: string[] = [];
    const bodies: string[] = [];
    back.on('message', (_t, payload, packet) => {
      ids.push(String(packet.properties?.userProperties?.['event-id']));
      bodies.push(JSON.parse(payload.toString()).id);
    });
    await until(() => ids.length >= 3);
    expect(ids).toEqual([`door-1:${firstNew}`, `door-1:${firstNew + 1}`, `door-1:${firstNew + 2}`]);
    expect(bodies).toEqual(ids);
    await back.endAsync();
  });

  it('over TLS with the bridge certificate, and refuses an untrusted broker', async () => {
    const cert = await ensureCertificate({ dir: join(dir, 'tls') });
    const tlsBroker = mosquitto(dir, await freePort(), {
      certfile: join(dir, 'tls', 'bridge-cert.pem'),
      keyfile: join(dir, 'tls', 'bridge-key.pem'),
    });
    brokers.push(tlsBroker);
    await tlsBroker.start();
    const sub = await subscriber(tlsBroker.port, {}, 'mqtts', cert.cert);
    const cursor = join(dir, 'cursor-tls.json');
    const out = output(tlsBroker.port, {
      url: `mqtts://localhost:${tlsBroker.port}`,
      tls: { ca: cert.cert },
      cursor: fileCursor(cursor),
      password: 'hunter2-not-logged',
      username: 'bridge',
    });
    await out.start();
    await out.drained();
    const expected = journal()
      .read(0, 100_000)
      .filter((e) => e.kind !== 'tap')
      .map((e) => e.id);
    await until(() => sub.got.length >= expected.length);
    await out.stop();
    expect(sub.got.map((g) => g.id)).toEqual(expected);
    const other = await ensureCertificate({ dir: join(dir, 'tls-other') });
    const bad = output(tlsBroker.port, {
      url: `mqtts://localhost:${tlsBroker.port}`,
      tls: { ca: other.cert },
      cursor: fileCursor(join(dir, 'c2.json')),
    });
    await expect(bad.start()).rejects.toThrow();
    await sub.c.endAsync();
  });

  it('refuses plaintext MQTT to a broker that is not on loopback', () => {
    expect(() => output(1883, { url: 'mqtt://broker.example.com:1883' })).toThrow(MqttOutputError);
    expect(() => output(1883, { url: 'mqtt://broker.example.com:1883' })).toThrow(/mqtts/);
    expect(() => output(8883, { url: 'mqtts://broker.example.com:8883' })).not.toThrow();
  });

  it('never logs payloads or credentials', () => {
    const all = logs.join('');
    expect(all).toContain('mqtt connected');
    expect(all).not.toContain('zz-payload-marker');
    expect(all).not.toContain('hunter2');
  });
});
