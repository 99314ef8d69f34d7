import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveBadgeKeys, nobleAes } from '@badgewire/protocol';
import { gcm } from '@noble/ciphers/aes.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BadgewireError } from '../src/errors';
import { aeadSeal, exportBadgeKeys, KeyStore, openBadgeExport } from '../src/keys/index';

const PASS = { passphrase: 'correct horse battery staple' };
let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bw-keys-'));
  path = join(dir, 'keys.sealed');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('sealed key store', () => {
  it('round-trips through the sealed file with documented scrypt parameters and mode 0600', () => {
    let t = 1000;
    const ks = KeyStore.create(path, PASS, { now: () => t++ });
    const mk = ks.createMasterKey('expo-2026');
    const rk = ks.createReaderKey('door-1');
    const env = JSON.parse(readFileSync(path, 'utf8'));
    expect(env.kdf).toMatchObject({ alg: 'scrypt', N: 32768, r: 8, p: 1 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['keys.sealed']);
    const again = KeyStore.open(path, PASS);
    expect(again.masterKey(mk.id)).toEqual(ks.masterKey(mk.id));
    expect(again.readerKeys('door-1')[0]!.key).toEqual(rk.key);
    expect(again.list().map((k) => k.fingerprint)).toEqual(ks.list().map((k) => k.fingerprint));
  });

  it('refuses a wrong passphrase, a tampered body, a downgraded header, a short secret and overwriting', () => {
    KeyStore.create(path, PASS).createMasterKey();
    expect(() => KeyStore.open(path, { passphrase: 'wrong passphrase!!' })).toThrow(
      expect.objectContaining({ code: 'E_KEYSTORE_AUTH' }),
    );
    const env = JSON.parse(readFileSync(path, 'utf8'));
    const body = Buffer.from(env.sealed, 'base64');
    body[20]! ^= 1;
    writeFileSync(join(dir, 'tampered'), JSON.stringify({ ...env, sealed: body.toString('base64') }));
    expect(() => KeyStore.open(join(dir, 'tampered'), PASS)).toThrow(
      expect.objectContaining({ code: 'E_KEYSTORE_AUTH' }),
    );
    writeFileSync(join(dir, 'weak'), JSON.stringify({ ...env, kdf: { ...env.kdf, N: 1024 } }));
    expect(() => KeyStore.open(join(dir, 'weak'), PASS)).toThrow(
      expect.objectContaining({ code: 'E_KEYSTORE_FORMAT' }),
    );
    writeFileSync(join(dir, 'other'), JSON.stringify({ ...env, kdf: { ...env.kdf, N: 65536 } }));
    expect(() => KeyStore.open(join(dir, 'other'), PASS)).toThrow(
      expect.objectContaining({ code: 'E_KEYSTORE_AUTH' }),
    );
    expect(() => KeyStore.create(join(dir, 'x'), { passphrase: 'short' })).toThrow(
      expect.objectContaining({ code: 'E_KEYSTORE_SECRET' }),
    );
    expect(() => KeyStore.create(path, PASS)).toThrow(expect.objectContaining({ code: 'E_KEYSTORE_EXISTS' }));
    expect(() => KeyStore.open(join(dir, 'none'), PASS)).toThrow(
      expect.objectContaining({ code: 'E_KEYSTORE_MISSING' }),
    );
  });

  it('unlocks with a key file as well as a passphrase', () => {
    const kf = { keyFileBytes: new Uint8Array(randomBytes(32)) };
    const mk = KeyStore.create(path, kf).createMasterKey();
    expect(KeyStore.open(path, kf).list()[0]!.id).toBe(mk.id);
    expect(() => KeyStore.open(path, { keyFileBytes: new Uint8Array(randomBytes(32)) })).toThrow(
      expect.objectContaining({ code: 'E_KEYSTORE_AUTH' }),
    );
  });

  it('walks reader keys through issued, active, rotating and revoked, and logs only device ids', () => {
    const ks = KeyStore.create(path, PASS);
    const first = ks.createReaderKey('door-1');
    expect(() => ks.createReaderKey('door-1')).toThrow(expect.objectContaining({ code: 'E_KEY_STATE' }));
    expect(() => ks.createReaderKey('bad id!')).toThrow(expect.objectContaining({ code: 'E_KEY_INPUT' }));
    ks.activateReaderKey(first.summary.id);
    const second = ks.rotateReaderKey('door-1');
    expect(() => ks.rotateReaderKey('door-1')).toThrow(expect.objectContaining({ code: 'E_KEY_STATE' }));
    expect(ks.readerKeys('door-1').map((k) => [k.id, k.state])).toEqual([
      [second.summary.id, 'issued'],
      [first.summary.id, 'rotating'],
    ]);
    ks.activateReaderKey(second.summary.id);
    expect(ks.readerKeys('door-1').map((k) => [k.id, k.state])).toEqual([[second.summary.id, 'active']]);
    ks.revoke(second.summary.id);
    expect(ks.readerKeys('door-1')).toEqual([]);
    expect(() => ks.activateReaderKey(second.summary.id)).toThrow(
      expect.objectContaining({ code: 'E_KEY_STATE' }),
    );
    expect(() => ks.revoke('rk-00000000')).toThrow(expect.objectContaining({ code: 'E_KEY_UNKNOWN' }));
    const reopened = KeyStore.open(path, PASS);
    expect(reopened.list().map((k) => k.state)).toEqual(['revoked', 'revoked']);
    expect(reopened.issued().map((r) => [r.action, r.to])).toEqual([
      ['create', 'door-1'],
      ['activate', 'door-1'],
      ['rotate', 'door-1'],
      ['activate', 'door-1'],
      ['revoke', 'door-1'],
    ]);
  });

  it('lists fingerprints, never key bytes', () => {
    const ks = KeyStore.create(path, PASS);
    const mk = ks.createMasterKey();
    const rk = ks.createReaderKey('door-2');
    const api = ks.createApiKey('crm-sync');
    const text = JSON.stringify(ks.list());
    for (const k of [ks.masterKey(mk.id), rk.key, api.key]) {
      expect(text).not.toContain(Buffer.from(k).toString('hex'));
      expect(text).not.toContain(Buffer.from(k).toString('base64'));
    }
    expect(ks.list().every((k) => /^[0-9a-f]{16}$/.test(k.fingerprint))).toBe(true);
    expect(new Set(ks.list().map((k) => k.fingerprint)).size).toBe(3);
    expect(ks.apiKeys('crm-sync')[0]!.key).toEqual(api.key);
  });

  it('gives each tenant its own journal key, stable across reopen', () => {
    const ks = KeyStore.create(path, PASS);
    const a = ks.journalKey('acme');
    expect(ks.journalKey('globex')).not.toEqual(a);
    expect(KeyStore.open(path, PASS).journalKey('acme')).toEqual(a);
  });
});

describe('two processes on one key store', () => {
  it('never loses an update: each instance re-reads the file before it mutates or reads', () => {
    const a = KeyStore.create(path, PASS);
    const b = KeyStore.open(path, PASS);
    const ja = a.journalKey('acme');
    // b was opened before acme's key existed; it must find a's key, not mint a second one.
    expect(b.journalKey('acme')).toEqual(ja);
    const mk = a.createMasterKey();
    const rk = b.createReaderKey('door-9');
    a.revoke(rk.summary.id);
    const c = KeyStore.open(path, PASS);
    expect(c.list().map((k) => [k.id, k.state])).toEqual([
      [mk.id, 'active'],
      [rk.summary.id, 'revoked'],
    ]);
    expect(b.readerKeys('door-9')).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['keys.sealed']);
  });

  it('waits for another holder of the lock and gives up with a transient error', () => {
    const a = KeyStore.create(path, PASS);
    writeFileSync(`${path}.lock`, '');
    const t0 = Date.now();
    let err: unknown;
    try {
      a.createMasterKey();
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'E_KEYSTORE_BUSY' });
    expect((err as BadgewireError).isTransient()).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4900);
    rmSync(`${path}.lock`);
    expect(a.createMasterKey().id).toMatch(/^mk-/);
  });
});

describe('AEAD', () => {
  it('matches @noble/ciphers gcm byte for byte', () => {
    const key = new Uint8Array(randomBytes(32));
    const aad = new Uint8Array(randomBytes(9));
    const pt = new Uint8Array(randomBytes(100));
    const sealed = aeadSeal(key, pt, aad);
    const nonce = sealed.subarray(0, 12);
    expect(sealed.subarray(12)).toEqual(gcm(key, nonce, aad).encrypt(pt));
  });
});

describe('badge key export', () => {
  it('seals serial -> K_id/K_tap for one station, matching deriveBadgeKeys, and logs count only', () => {
    const ks = KeyStore.create(path, PASS);
    const mk = ks.createMasterKey();
    const stationKey = { keyFileBytes: new Uint8Array(randomBytes(32)) };
    const serials = ['BW-000001', 'BW-000002', 'BW-000003'];
    const file = exportBadgeKeys(ks, { masterKeyId: mk.id, stationId: 'station-a', serials, to: stationKey });
    const text = Buffer.from(file).toString('utf8');
    for (const s of serials) expect(text).not.toContain(s);
    const got = openBadgeExport(file, stationKey, 'station-a');
    expect(got.badges.map((b) => b.serial)).toEqual(serials);
    for (const b of got.badges) {
      const want = deriveBadgeKeys(
        nobleAes,
        ks.masterKey(mk.id),
        new Uint8Array(Buffer.from(b.serial, 'ascii')),
      );
      expect(b.kId).toBe(Buffer.from(want.kId).toString('hex'));
      expect(b.kTap).toBe(Buffer.from(want.kTap).toString('hex'));
      expect(b.kId).not.toBe(b.kTap);
    }
    expect(() => openBadgeExport(file, stationKey, 'station-b')).toThrow(
      expect.objectContaining({ code: 'E_EXPORT_FORMAT' }),
    );
    expect(() => openBadgeExport(file, { keyFileBytes: new Uint8Array(32) })).toThrow(
      expect.objectContaining({ code: 'E_EXPORT_AUTH' }),
    );
    const log = ks.issued().at(-1)!;
    expect(log).toMatchObject({ action: 'badge-export', keyId: mk.id, to: 'station-a', count: 3 });
    expect(JSON.stringify(ks.issued())).not.toContain('BW-00000');
  });

  it('refuses bad serials, duplicates and revoked master keys', () => {
    const ks = KeyStore.create(path, PASS);
    const mk = ks.createMasterKey();
    const to = { passphrase: 'station operator phrase' };
    const base = { masterKeyId: mk.id, stationId: 'st', to };
    expect(() => exportBadgeKeys(ks, { ...base, serials: ['ok', 'bad serial'] })).toThrow(
      expect.objectContaining({ code: 'E_KEY_INPUT' }),
    );
    expect(() => exportBadgeKeys(ks, { ...base, serials: ['a', 'a'] })).toThrow(
      expect.objectContaining({ code: 'E_KEY_INPUT' }),
    );
    ks.revoke(mk.id);
    expect(() => exportBadgeKeys(ks, { ...base, serials: ['a'] })).toThrow(
      expect.objectContaining({ code: 'E_KEY_STATE' }),
    );
  });
});
