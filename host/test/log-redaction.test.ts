import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/index';
import { BadgewireError, HOST_ERROR_CODES } from '../src/errors';
import { TenantStores } from '../src/journal/index';
import { KeyStore } from '../src/keys/index';
import { createLogger, redactString } from '../src/log/index';

const dir = mkdtempSync(join(tmpdir(), 'bw-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CANARY = {
  name: 'Zelda Canaryfield',
  email: 'zelda.canary@example.org',
  phone: '+44 7700 900123',
  company: 'Canary Widgets Ltd',
  serial: 'BW-CANARY-0042',
  uid: '04a1b2c3d4e5f6',
};

function forms(key: Uint8Array): string[] {
  const b = Buffer.from(key);
  return [
    b.toString('hex'),
    b.toString('hex').toUpperCase(),
    b.toString('base64'),
    b.toString('base64url'),
    b.toString('base64').replace(/=+$/, ''),
  ];
}

function collect() {
  const lines: string[] = [];
  const log = createLogger({ level: 'trace', sink: { write: (l) => lines.push(l) } });
  return { lines, log };
}

describe('log redaction', () => {
  const keys = Array.from({ length: 6 }, (_, i) => new Uint8Array(randomBytes(i % 2 ? 16 : 32)));
  const secretForms = keys.flatMap(forms);
  const canaries = [CANARY.name, CANARY.email, CANARY.phone, CANARY.company, CANARY.serial, CANARY.uid];

  function assertClean(lines: string[]) {
    const text = lines.join('');
    expect(text.length).toBeGreaterThan(0);
    for (const s of secretForms) expect(text, `secret ${s.slice(0, 6)}…`).not.toContain(s);
    for (const c of canaries) expect(text, 'canary').not.toContain(c);
    // Raw key bytes would appear as JSON escapes or raw characters; lines are valid JSON, check bytes too.
    for (const k of keys) expect(Buffer.from(text, 'latin1').includes(Buffer.from(k))).toBe(false);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
  }

  it('masks every host error code carrying keys and PII in message and context', () => {
    const { lines, log } = collect();
    for (const [i, code] of HOST_ERROR_CODES.entries()) {
      const k = keys[i % keys.length]!;
      const [hex, , b64, b64url] = forms(k);
      const e = new BadgewireError(
        code,
        `failed for ${CANARY.email} with ${hex}`,
        {
          keyHex: hex!,
          masterKey: b64!,
          note: `tok ${b64url} call ${CANARY.phone}`,
          name: CANARY.name,
          serial: CANARY.serial,
          uid: CANARY.uid,
          company: CANARY.company,
        },
        { cause: new Error(`inner ${b64}`) },
      );
      log.error(e);
      log.warn({ err: e, tenant: 'acme' }, 'with err field');
      log.info({ err: e }, `message with ${hex}`);
      expect(e.isTransient()).toBe(
        [
          'E_JOURNAL_IO',
          'E_JOURNAL_BUSY',
          'E_BACKUP_IO',
          'E_KEYSTORE_IO',
          'E_KEYSTORE_BUSY',
          'E_READER_IO',
          'E_STATE_IO',
        ].includes(code),
      );
    }
    assertClean(lines);
    expect(lines.join('')).toContain('E_KEYSTORE_AUTH');
  });

  it('masks crafted objects: byte arrays, secret-named fields, PII fields, keys in strings, child bindings, format args', () => {
    const { lines, log } = collect();
    const [k0, k1, k2, k3] = keys as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    log.info(
      {
        masterKey: k0,
        kId: forms(k1)[0],
        kTap: forms(k1)[2],
        frame: Buffer.from(k2),
        nested: { deeper: { secret: 'x', list: [k3, forms(k3)[3]] }, attendee: { ...CANARY } },
        badge: { serial: CANARY.serial, nfcUid: CANARY.uid },
        note: `Contact ${CANARY.email} / ${CANARY.phone}`,
        passphrase: 'correct horse battery staple',
        map: new Map([['token', forms(k0)[0]]]),
      },
      'crafted',
    );
    log
      .child({ readerKey: forms(k2)[0], email: CANARY.email, ok: 'door-1' })
      .warn({ value: forms(k3)[1] }, 'child %s', forms(k0)[2]);
    log.debug(`template ${forms(k1)[1]} ${CANARY.email}`);
    log.trace({ buf: Buffer.from(k3).toJSON() }, 'buffer json');
    const cyc: Record<string, unknown> = { name: CANARY.name };
    cyc.self = cyc;
    log.info(cyc, 'cycle');
    assertClean(lines);
    const first = JSON.parse(lines[0]!);
    expect(first.masterKey).toBe('[redacted]');
    expect(first.frame).toBe('[bytes 32]');
    expect(first.badge).toEqual({ serial: '[pii]', nfcUid: '[pii]' });
    expect(JSON.parse(lines[1]!).ok).toBe('door-1');
  });

  it('masks what the journal logs from its own failure paths', async () => {
    const { lines, log } = collect();
    const key = keys[0]!;
    const stores = new TenantStores({
      dataDir: dir,
      keys: { journalKey: () => new Uint8Array(32).fill(7) },
      logger: log,
    });
    const s = stores.get('acme');
    s.journal.subscribe(() => {
      throw new Error(`subscriber saw ${forms(key)[0]} for ${CANARY.email}`);
    });
    await s.journal.append({ id: 'r:1', kind: 'tap', readerId: 'r', at: 1, data: {} });
    s.db.exec(
      `CREATE TRIGGER t BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, '${forms(key)[0]} ${CANARY.name}'); END`,
    );
    await expect(
      s.journal.append({ id: 'r:2', kind: 'tap', readerId: 'r', at: 2, data: {} }),
    ).rejects.toThrow();
    await stores.closeAll();
    expect(lines.length).toBe(2);
    const text = lines.join('');
    expect(text).not.toContain(forms(key)[0]);
    expect(text).not.toContain(CANARY.email);
    expect(text).toContain('journal subscriber threw');
    expect(text).toContain('E_JOURNAL_IO');
  });

  it('masks the errors real APIs raise when fed secrets and PII', async () => {
    const { lines, log } = collect();
    const errors: unknown[] = [];
    const grab = async (f: () => unknown) => {
      try {
        await f();
      } catch (e) {
        errors.push(e);
      }
    };
    const store = join(dir, 'ks.sealed');
    KeyStore.create(store, { passphrase: 'a good passphrase' });
    await grab(() => KeyStore.open(store, { passphrase: `${CANARY.email}${forms(keys[0]!)[0]}` }));
    await grab(() => KeyStore.create(join(dir, 'x'), { passphrase: CANARY.phone.slice(0, 5) }));
    await grab(() =>
      validateConfig(
        { mqtt: { url: 'mqtts://h', password: forms(keys[1]!)[0] }, keyStore: { secret: CANARY.email } },
        dir,
      ),
    );
    const stores = new TenantStores({ dataDir: dir, keys: { journalKey: () => new Uint8Array(32).fill(1) } });
    await grab(() =>
      stores
        .get('acme')
        .journal.append({ id: 'r:9', kind: 'lead', readerId: 'r', at: 1, data: { ...CANARY } }),
    );
    await grab(() => stores.get(`../${CANARY.serial}`));
    await grab(() => stores.get('acme').replay.advanceCounter(CANARY.serial, -5, 1));
    await stores.closeAll();
    writeFileSync(join(dir, 'bad.json'), `{"x": "${CANARY.email}", oops}`);
    await grab(async () => (await import('../src/config/index')).loadConfig(join(dir, 'bad.json')));
    expect(errors).toHaveLength(7);
    for (const e of errors) {
      expect(e).toBeInstanceOf(BadgewireError);
      log.error(e);
      log.error({ err: e }, 'wrapped');
    }
    assertClean(lines);
  });

  it('leaves ordinary words, ids and fingerprints alone', () => {
    expect(redactString('reader door-1 pos 42 fp 0123456789abcdef createReaderKeyCandidatesList')).toBe(
      'reader door-1 pos 42 fp 0123456789abcdef createReaderKeyCandidatesList',
    );
  });
});
