/**
 * The at-rest audit: build a real data dir (key store, two tenant journals with WAL, replay state, badge-key
 * export, backups, key store copy, a log file), feeding real keys, badge secrets and canary PII to the APIs,
 * then scan EVERY file (WAL and SHM included, before and after close) for any form of the key material,
 * the badge keys, badge serials and the canaries. A planted leak proves the scanner can see.
 */
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveBadgeKeys, nobleAes } from '@badgewire/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { backupKeyStore, snapshotTenant } from '../src/backup/index';
import { TenantStores } from '../src/journal/index';
import { exportBadgeKeys, KeyStore, serialBytes } from '../src/keys/index';
import { createLogger } from '../src/log/index';

const root = mkdtempSync(join(tmpdir(), 'bw-scan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const PASS = 'scan test passphrase 123';
const CANARY = [
  'Quentin Canarywood',
  'quentin.canary@example.net',
  '+1 202 555 0147',
  'Canarywood Industries',
];
const SERIALS = ['BW-SCAN-000001', 'BW-SCAN-000002', 'BW-SCAN-000003'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

function needles(secrets: Uint8Array[], texts: string[]): { what: string; bytes: Buffer }[] {
  const out: { what: string; bytes: Buffer }[] = [];
  for (const [i, k] of secrets.entries()) {
    const b = Buffer.from(k);
    out.push({ what: `key#${i} raw`, bytes: b });
    for (const f of [
      b.toString('hex'),
      b.toString('hex').toUpperCase(),
      b.toString('base64').replace(/=+$/, ''),
      b.toString('base64url'),
    ])
      out.push({ what: `key#${i} text`, bytes: Buffer.from(f) });
    // Half-key fragments catch a key split across fields or truncated hex.
    out.push({ what: `key#${i} half`, bytes: b.subarray(0, b.length / 2) });
  }
  for (const t of texts) {
    out.push({ what: `text ${t.slice(0, 4)}…`, bytes: Buffer.from(t, 'utf8') });
    out.push({ what: `utf16 ${t.slice(0, 4)}…`, bytes: Buffer.from(t, 'utf16le') });
  }
  return out;
}

function scan(dir: string, list: { what: string; bytes: Buffer }[]): string[] {
  // A set: two forms of one key can be the same text (base64 without '+' or '/' equals its base64url).
  const hits = new Set<string>();
  for (const f of files(dir)) {
    const body = readFileSync(f);
    for (const n of list) if (body.includes(n.bytes)) hits.add(`${n.what} in ${f.slice(dir.length)}`);
  }
  return [...hits];
}

describe('data dir at rest', () => {
  it('holds no key material, badge secret, serial or PII in any file', async () => {
    const data = join(root, 'data');
    mkdirSync(data);
    const ks = KeyStore.create(join(root, 'keys.sealed'), { passphrase: PASS });
    const logFile = join(data, 'bridge.log');
    const log = createLogger({ level: 'trace', sink: { write: (l) => appendFileSync(logFile, l) } });
    const stores = new TenantStores({ dataDir: data, keys: ks, logger: log });

    const mk = ks.createMasterKey('scan-event');
    const reader = ks.createReaderKey('door-1');
    const rotated = ks.rotateReaderKey('door-1');
    const api = ks.createApiKey('crm');
    const badgeKeys = SERIALS.flatMap((s) => {
      const k = deriveBadgeKeys(nobleAes, ks.masterKey(mk.id), serialBytes(s));
      return [k.kId, k.kTap];
    });
    const stationKey = new Uint8Array(randomBytes(32));
    writeFileSync(
      join(data, 'station-a.bwkeys'),
      exportBadgeKeys(ks, {
        masterKeyId: mk.id,
        stationId: 'station-a',
        serials: SERIALS,
        to: { keyFileBytes: stationKey },
      }),
    );

    const rejected: string[] = [];
    for (const tenant of ['acme', 'globex']) {
      const s = stores.get(tenant);
      for (let i = 0; i < 300; i++) {
        const serial = SERIALS[i % 3]!;
        await s.journal.append({
          id: `door-1:${i}`,
          kind: 'tap',
          readerId: 'door-1',
          at: 1_800_000_000_000 + i,
          data: {
            badgeRef: serial,
            frame: Buffer.from(badgeKeys[i % badgeKeys.length]!).toString('hex'),
            decision: 'grant',
          },
        });
        s.replay.advanceCounter(serial, i, i);
      }
      for (const c of CANARY) {
        await s.journal
          .append({
            id: `lead-1:${c.length}`,
            kind: 'lead',
            readerId: 'lead-1',
            at: 1,
            data: { name: c, email: c, note: `${c}` },
          })
          .catch((e) => rejected.push(e.code));
      }
      await s.journal
        .append({ id: 'lead-1:x', kind: 'lead', readerId: 'lead-1', at: 2, data: { note: CANARY[1]! } })
        .catch((e) => rejected.push(e.code));
      // A bare name inside free text is undetectable by any redactor; names only ever arrive in named fields,
      // which is where the host sees them (and the journal refuses them).
      log.info(
        {
          tenant,
          masterKey: ks.masterKey(mk.id),
          name: CANARY[0],
          kTap: Buffer.from(badgeKeys[1]!).toString('hex'),
        },
        `tenant ready for ${CANARY[1]}`,
      );
      await snapshotTenant(s, join(data, 'backups'), ks.backupKey());
    }
    backupKeyStore(ks.path, join(data, 'backups'));
    expect(rejected).toEqual(Array(10).fill('E_JOURNAL_PII'));

    const secrets = [
      ks.masterKey(mk.id),
      reader.key,
      rotated.key,
      api.key,
      ks.journalKey('acme'),
      ks.journalKey('globex'),
      ks.backupKey(),
      stationKey,
      ...badgeKeys,
    ];
    const list = needles(secrets, [...CANARY, ...SERIALS, PASS]);
    // While open: the WAL holds the recent commits.
    const names = files(data).map((f) => f.slice(data.length));
    expect(names).toEqual(
      expect.arrayContaining([
        '/tenants/acme.db',
        '/tenants/acme.db-wal',
        '/tenants/acme.db-shm',
        '/bridge.log',
      ]),
    );
    expect(statSync(join(data, 'tenants', 'acme.db-wal')).size).toBeGreaterThan(0);
    expect(scan(data, list)).toEqual([]);
    await stores.closeAll();
    expect(scan(data, list)).toEqual([]);
    expect(scan(root, list).filter((h) => !h.includes('/keys.sealed'))).toEqual([]);

    // The scanner finds a planted leak in any of its forms.
    appendFileSync(join(data, 'tenants', 'acme.db-wal'), Buffer.from(badgeKeys[4]!));
    appendFileSync(logFile, Buffer.from(ks.masterKey(mk.id)).toString('base64url'));
    appendFileSync(join(data, 'backups', 'planted'), SERIALS[1]!);
    expect(scan(data, list).sort()).toEqual([
      `key#0 text in /bridge.log`,
      `key#12 half in /tenants/acme.db-wal`,
      `key#12 raw in /tenants/acme.db-wal`,
      `text BW-S… in /backups/planted`,
    ]);
  });
});
