/**
 * Integrator API and MQTT output figures, each against a naive baseline measured in the same run:
 *  - token verification: the verifier (keys imported once, pinned per client) vs re-importing the JWK per request;
 *  - reading 5 000 journalled events over real HTTPS: one SSE stream vs paging /v1/journal 100 at a time;
 *  - MQTT QoS 1 publish to a real Mosquitto: a 64-deep PUBACK window vs stop-and-wait (window 1).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, importJWK, jwtVerify, SignJWT } from 'jose';
import { report } from '../../protocol/bench/report';
import { memoryActivityStore } from '../src/api/clients';
import { createTokenVerifier } from '../src/api/jwt';
import { TenantStores } from '../src/journal/tenants';
import { silentLogger } from '../src/log/index';
import { memoryCursor } from '../src/output/cursor';
import { createMqttOutput } from '../src/output/mqtt';
import { call, openStream, startHarness } from '../test/api-fixtures';
import { freePort, mosquitto } from '../test/mqtt-broker';

const AUD = 'https://bench';
const now = Date.now();

async function rate(ms: number, fn: () => Promise<unknown>): Promise<number> {
  let ops = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await fn();
    ops++;
  }
  return ops / ((performance.now() - t0) / 1000);
}

async function tokens() {
  const kp = generateKeyPairSync('ed25519');
  const jwk = await exportJWK(kp.publicKey);
  const verify = createTokenVerifier({
    audience: AUD,
    clients: [
      {
        iss: 'i',
        kid: 'k',
        alg: 'EdDSA',
        key: kp.publicKey,
        tenants: ['acme'],
        scopes: ['events:read'],
        registeredAt: now,
      },
    ],
    activity: memoryActivityStore(),
    now: () => now,
  });
  const t = await new SignJWT({ tenant: 'acme', scope: 'events:read' })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'k' })
    .setIssuer('i')
    .setAudience(AUD)
    .setSubject('s')
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(now / 1000) + 600)
    .sign(kp.privateKey);
  const oursOnce = () => rate(500, () => verify(`Bearer ${t}`));
  const naiveOnce = () =>
    rate(500, async () =>
      jwtVerify(t, await importJWK(jwk, 'EdDSA'), { audience: AUD, currentDate: new Date(now) }),
    );
  // The machine is shared: warm both up, interleave three rounds and keep each side's best.
  await oursOnce();
  await naiveOnce();
  let ours = 0;
  let naive = 0;
  for (let r = 0; r < 3; r++) {
    ours = Math.max(ours, await oursOnce());
    naive = Math.max(naive, await naiveOnce());
  }
  return { ours, naive };
}

async function reading() {
  const h = await startHarness();
  const j = h.stores.get('acme').journal;
  const N = 5000;
  await Promise.all(
    Array.from({ length: N }, (_, i) =>
      j.append({
        id: `r1:${i}`,
        kind: 'decision',
        readerId: 'r1',
        at: now,
        data: { outcome: 'granted', door: 'main' },
      }),
    ),
  );
  const token = await h.token();
  let t0 = performance.now();
  const s = openStream(h, '/v1/events', token);
  await s.waitFor(N, 60_000);
  const sse = N / ((performance.now() - t0) / 1000);
  s.abort();
  t0 = performance.now();
  let after = 0;
  let got = 0;
  for (;;) {
    const r = await call(h, `/v1/journal?limit=100&after=${after}`, { token });
    got += r.json.events.length;
    if (r.json.next === null) break;
    after = r.json.next;
  }
  const paged = got / ((performance.now() - t0) / 1000);
  await h.close();
  return { sse, paged };
}

async function mqtt() {
  const dir = mkdtempSync(join(tmpdir(), 'bw-mqtt-bench-'));
  const broker = mosquitto(dir, await freePort());
  await broker.start();
  const stores = new TenantStores({ dataDir: dir, keys: { journalKey: () => key }, windowMs: 0 });
  const key = randomBytes(32);
  const j = stores.get('acme').journal;
  const N = 2000;
  await Promise.all(
    Array.from({ length: N }, (_, i) =>
      j.append({ id: `r1:${i}`, kind: 'decision', readerId: 'r1', at: now, data: { outcome: 'granted' } }),
    ),
  );
  const run = async (maxInFlight: number) => {
    const out = createMqttOutput({
      url: `mqtt://127.0.0.1:${broker.port}`,
      tenant: 'acme',
      journal: j,
      cursor: memoryCursor(),
      log: silentLogger(),
      maxInFlight,
    });
    const t0 = performance.now();
    await out.start();
    await out.drained();
    const r = N / ((performance.now() - t0) / 1000);
    await out.stop();
    return r;
  };
  await run(64); // warm-up
  let windowed = 0;
  let stopWait = 0;
  for (let r = 0; r < 3; r++) {
    windowed = Math.max(windowed, await run(64));
    stopWait = Math.max(stopWait, await run(1));
  }
  await stores.closeAll();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
  return { windowed, stopWait };
}

const tk = await tokens();
const rd = await reading();
const mq = await mqtt();
report('integrator API and MQTT output', [
  {
    name: 'EdDSA bearer tokens verified',
    value: tk.ours,
    unit: 'tokens/s',
    baseline: { name: 'importJWK + jwtVerify per request', value: tk.naive },
    target: '>= 2000',
  },
  {
    name: 'events read over HTTPS, one SSE stream',
    value: rd.sse,
    unit: 'events/s',
    baseline: { name: 'paging /v1/journal?limit=100', value: rd.paged },
    target: '>= 5000',
  },
  {
    name: 'MQTT QoS 1 events acknowledged, window 64',
    value: mq.windowed,
    unit: 'events/s',
    baseline: { name: 'stop-and-wait (window 1)', value: mq.stopWait },
    target: '>= 1000',
  },
]);
