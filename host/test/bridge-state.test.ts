/**
 * State that must survive a bridge restart (real BridgeInstance stop/start over the same data dir): the
 * integrator's entitlements and revocations (sealed in the tenant's SQLite file, re-applied on start) and the
 * reader records (session positions, in `<dataDir>/state/readers.db`). Also: none of it is stored in the
 * clear, and a bridge whose only reader is on serial never opens a BLE adapter.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '@badgewire/protocol';
import { base64url } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { type Bridge, startBridge } from '../src/bridge';
import { loadConfig } from '../src/config/index';
import { KeyStore } from '../src/keys/index';
import { createLogger } from '../src/log/index';
import { SqliteReaderStore } from '../src/readers/reader-store';
import { call } from './api-fixtures';
import { apiOf, siteToken, writeSite } from './bridge-site';
import { linkPair, run, TestReader, VirtualClock } from './readers-world';

const dir = mkdtempSync(join(tmpdir(), 'bw-bridge-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const secret = randomBytes(32);
const env = {
  BADGEWIRE_KEYSTORE_PASSPHRASE: 'bridge state passphrase',
  ACME_ADMIN: base64url.encode(secret),
};
const READER = 'a1b2c3d4e5f60718';
const ENTITLED = `att-${randomBytes(6).toString('hex')}`;
const REVOKED = `att-${randomBytes(6).toString('hex')}`;

const SITE = { audience: 'https://bridge.state', secretEnv: 'ACME_ADMIN' };
const token = () => siteToken(SITE, secret);

function site(): string {
  const file = writeSite(dir, {
    ...SITE,
    extra: {
      readers: [{ id: READER, door: 'main', transport: { type: 'serial', path: join(dir, 'no-such-tty') } }],
      enrolment: { acme: 'enrol.json' },
      journal: { commitWindowMs: 0 },
    },
  });
  const config = loadConfig(file);
  const ks = KeyStore.create(config.keyStore.path, { passphrase: env.BADGEWIRE_KEYSTORE_PASSPHRASE });
  const mk = ks.createMasterKey('state-test');
  writeFileSync(
    join(dir, 'enrol.json'),
    JSON.stringify({
      masterKeyId: mk.id,
      badges: [
        { ref: ENTITLED, serial: 'BW-STATE-1' },
        { ref: REVOKED, serial: 'BW-STATE-2' },
      ],
    }),
  );
  return file;
}

function allBytes(root: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else parts.push(readFileSync(p));
    }
  };
  walk(root);
  return Buffer.concat(parts);
}

describe('bridge state across a restart', () => {
  it('keeps entitlements, revocations and reader session positions; stores no attendee ref in the clear', async () => {
    const file = site();
    const clock = new VirtualClock();
    const opts = {
      env,
      clock,
      log: createLogger({ level: 'silent' }),
      print: () => undefined,
      // Serial only: no BLE adapter may be opened.
      readers: {
        openBle: () => {
          throw new Error('a serial-only bridge opened a BLE adapter');
        },
      },
    };
    let b: Bridge = await startBridge(loadConfig(file), opts);
    let record: { recvDurable: number; nextSeq: number };
    try {
      expect(b.hub.provisioning(READER)).toBe('unprovisioned');
      const key = b.hub.provision(READER);
      const [hostEnd, readerEnd] = linkPair();
      const reader = new TestReader(readerEnd, clock, fromHex(READER), key);
      b.hub.attach(hostEnd, 'serial');
      await run(clock, [hostEnd, readerEnd], [reader], 2000);
      expect(b.hub.state(READER)).toBe('online');
      reader.tap(1);
      reader.tap(2);
      await run(clock, [hostEnd, readerEnd], [reader], 2000);
      expect(
        b.stores
          .get('acme')
          .journal.read(0, 50)
          .filter((e) => e.kind === 'tap'),
      ).toHaveLength(2);

      const h = apiOf(b.api?.port, join(dir, 'data'));
      const now = Date.now();
      const ent = await call(h, '/v1/entitlements', {
        method: 'POST',
        token: await token(),
        body: { badgeRef: ENTITLED, doors: ['main'], validFrom: now - 60_000, validUntil: now + 3_600_000 },
      });
      expect(ent.status).toBe(201);
      const rev = await call(h, '/v1/revocations', {
        method: 'POST',
        token: await token(),
        body: { badgeRef: REVOKED, reason: 'lost' },
      });
      expect(rev.status).toBe(201);
      const nowS = Math.floor(now / 1000);
      expect(b.policies.get('acme')?.decide(ENTITLED, 'main', 'in', nowS).allow).toBe(true);
    } finally {
      await b.stop();
    }
    const disk = new SqliteReaderStore(join(dir, 'data', 'state', 'readers.db'));
    try {
      const r = disk.load(READER);
      expect(r).toMatchObject({ id: READER, tenant: 'acme', door: true, doorId: 'main' });
      record = { recvDurable: r?.recvDurable ?? -1, nextSeq: r?.nextSeq ?? -1 };
      expect(record.recvDurable).toBe(2); // both taps acknowledged
      expect(record.nextSeq).toBeGreaterThan(1); // the door's challenge pool went out reliably
    } finally {
      disk.close();
    }
    // Attendee refs never appear in the clear in any file the bridge wrote (WAL and SHM included).
    const bytes = allBytes(join(dir, 'data'));
    for (const ref of [ENTITLED, REVOKED]) {
      expect(bytes.includes(Buffer.from(ref))).toBe(false);
      expect(bytes.includes(Buffer.from(ref, 'utf16le'))).toBe(false);
    }

    b = await startBridge(loadConfig(file), { ...opts, clock: new VirtualClock() });
    try {
      const nowS = Math.floor(Date.now() / 1000);
      const policy = b.policies.get('acme');
      expect(policy?.decide(ENTITLED, 'main', 'in', nowS)).toMatchObject({ allow: true, reason: 'granted' });
      expect(policy?.decide(REVOKED, 'main', 'in', nowS)).toMatchObject({ allow: false, reason: 'revoked' });
      // The reader stays enforced (its key is in the sealed store) and cannot be silently re-keyed.
      expect(b.hub.provisioning(READER)).toBe('enforced');
      expect(() => b.hub.provision(READER)).toThrow(expect.objectContaining({ code: 'E_KEY_STATE' }));
    } finally {
      await b.stop();
    }
    const again = new SqliteReaderStore(join(dir, 'data', 'state', 'readers.db'));
    try {
      expect(again.load(READER)).toMatchObject(record);
    } finally {
      again.close();
    }
  }, 30_000);
});
