/**
 * The host key store: event master keys, reader link keys, API client keys, per-tenant journal data keys and
 * the backup key, all 32 bytes, sealed in one file (./sealed-file). Each change rewrites the file atomically.
 * It records what was issued to whom by device id only (reader id, station id, API client id): no serials,
 * no names. Keys leave this module only through methods whose callers need the bytes; `list()` shows
 * fingerprints, never keys.
 *
 * Reader key life cycle (wire §9.6 rekey): issued -> active -> (rotate) rotating -> revoked. During rotation
 * the reader's old key stays usable for one more handshake; `activateReaderKey` retires it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { BadgewireError } from '../errors';
import {
  newSealingKey,
  openFile,
  openFileWithKey,
  readFileOr,
  type ScryptParams,
  type SealingKey,
  type Secret,
  sealFile,
  writeFileAtomic,
} from './sealed-file';

export type KeyKind = 'master' | 'reader' | 'api';
export type KeyState = 'issued' | 'active' | 'rotating' | 'revoked';

interface KeyRecord {
  id: string;
  kind: KeyKind;
  /** Device or client the key belongs to (reader id, API client id); absent for master keys. */
  owner?: string;
  label?: string;
  state: KeyState;
  createdAt: number;
  key: string;
}

export interface IssueRecord {
  at: number;
  action: 'create' | 'rotate' | 'activate' | 'revoke' | 'badge-export';
  keyId: string;
  /** A device id (reader, station, API client): never a person. */
  to?: string;
  count?: number;
}

interface Contents {
  v: 1;
  keys: KeyRecord[];
  journalKeys: Record<string, string>;
  backupKey: string;
  issued: IssueRecord[];
}

export interface KeySummary {
  id: string;
  kind: KeyKind;
  owner?: string;
  label?: string;
  state: KeyState;
  createdAt: number;
  fingerprint: string;
}

const FORMAT = 'badgewire-keystore';
const DEVICE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** A short public handle on a key: SHA-256 over a domain tag and the key, first 8 bytes in hex. */
export function fingerprint(key: Uint8Array): string {
  return createHash('sha256').update('bw-key-fingerprint-v1').update(key).digest('hex').slice(0, 16);
}

function b64(k: Uint8Array): string {
  return Buffer.from(k).toString('base64');
}
function unb64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}
function newKey(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}
function checkDeviceId(what: string, id: string): void {
  if (typeof id !== 'string' || !DEVICE_ID.test(id))
    throw new BadgewireError('E_KEY_INPUT', `${what} must be a device id of 1-64 chars [A-Za-z0-9._:-]`, {});
}

/** A cross-process lock: an O_EXCL lock file, waited for up to 5 s; one older than 30 s is stale (a crash). */
function withLock(lock: string, fn: () => void): void {
  const deadline = Date.now() + 5000;
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(lock, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30_000) unlinkSync(lock);
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline)
        throw new BadgewireError('E_KEYSTORE_BUSY', 'another process holds the key store lock; retry', {});
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  try {
    fn();
  } finally {
    closeSync(fd);
    unlinkSync(lock);
  }
}

export interface KeyStoreOptions {
  now?: () => number;
  /** scrypt parameters for a new store (defaults: N=2^15, r=8, p=1). */
  scrypt?: ScryptParams;
}

export class KeyStore {
  private readonly now: () => number;
  /** The file bytes this instance last read or wrote: a differing file means another process changed it. */
  private seen: Buffer | null = null;

  private constructor(
    readonly path: string,
    private sk: SealingKey,
    private c: Contents,
    opts: KeyStoreOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Creates a new, empty store at `path`; refuses to overwrite one. */
  static create(path: string, secret: Secret, opts: KeyStoreOptions = {}): KeyStore {
    if (existsSync(path))
      throw new BadgewireError('E_KEYSTORE_EXISTS', 'a key store already exists at this path', {});
    const contents: Contents = { v: 1, keys: [], journalKeys: {}, backupKey: b64(newKey()), issued: [] };
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const ks = new KeyStore(path, newSealingKey(secret, opts.scrypt), contents, opts);
    ks.save();
    return ks;
  }

  static open(path: string, secret: Secret, opts: KeyStoreOptions = {}): KeyStore {
    const { plaintext, sk } = openFile(FORMAT, readFileOr(path, 'E_KEYSTORE_MISSING'), secret);
    let c: Contents;
    try {
      c = JSON.parse(Buffer.from(plaintext).toString('utf8')) as Contents;
    } catch {
      throw new BadgewireError('E_KEYSTORE_FORMAT', 'key store contents are unreadable', {});
    }
    plaintext.fill(0);
    if (c.v !== 1 || !Array.isArray(c.keys))
      throw new BadgewireError('E_KEYSTORE_FORMAT', 'unknown key store version', {});
    const ks = new KeyStore(path, sk, c, opts);
    ks.seen = Buffer.from(readFileSync(path));
    return ks;
  }

  /**
   * Picks up changes another process (the CLI while the bridge runs, or the reverse) made to the file, so a
   * mutation always applies to the latest state and a read sees keys created elsewhere.
   */
  private refresh(): void {
    const cur = readFileSync(this.path);
    if (this.seen && cur.equals(this.seen)) return;
    const plain = openFileWithKey(FORMAT, cur, this.sk);
    this.c = JSON.parse(Buffer.from(plain).toString('utf8')) as Contents;
    plain.fill(0);
    this.seen = cur;
  }

  /** Writes under a lock file; if the file changed since `refresh`, nothing is written and the caller retries. */
  private save(): void {
    withLock(`${this.path}.lock`, () => {
      if (this.seen && !readFileSync(this.path).equals(this.seen)) {
        this.refresh();
        throw new BadgewireError('E_KEYSTORE_BUSY', 'the key store changed on disk meanwhile; retry', {});
      }
      const plain = Buffer.from(JSON.stringify(this.c), 'utf8');
      const bytes = Buffer.from(sealFile(FORMAT, this.sk, plain));
      plain.fill(0);
      writeFileAtomic(this.path, bytes);
      this.seen = bytes;
    });
  }

  private find(id: string): KeyRecord {
    const r = this.c.keys.find((k) => k.id === id);
    if (!r)
      throw new BadgewireError('E_KEY_UNKNOWN', 'no key with this id; run `badgewire keys list`', {
        keyId: id,
      });
    return r;
  }

  private add(
    kind: KeyKind,
    owner: string | undefined,
    label: string | undefined,
    state: KeyState,
  ): KeyRecord {
    const prefix = kind === 'master' ? 'mk' : kind === 'reader' ? 'rk' : 'ak';
    const rec: KeyRecord = {
      id: `${prefix}-${randomBytes(4).toString('hex')}`,
      kind,
      state,
      createdAt: this.now(),
      key: b64(newKey()),
    };
    if (owner !== undefined) rec.owner = owner;
    if (label !== undefined) rec.label = label;
    this.c.keys.push(rec);
    return rec;
  }

  private log(r: IssueRecord): void {
    this.c.issued.push(r);
  }

  private summary(r: KeyRecord): KeySummary {
    const s: KeySummary = {
      id: r.id,
      kind: r.kind,
      state: r.state,
      createdAt: r.createdAt,
      fingerprint: fingerprint(unb64(r.key)),
    };
    if (r.owner !== undefined) s.owner = r.owner;
    if (r.label !== undefined) s.label = r.label;
    return s;
  }

  /** A new event master key (one per event, wire §9.4). */
  createMasterKey(label?: string): KeySummary {
    this.refresh();
    if (label !== undefined && !DEVICE_ID.test(label))
      throw new BadgewireError('E_KEY_INPUT', 'label must be 1-64 chars [A-Za-z0-9._:-]', {});
    const r = this.add('master', undefined, label, 'active');
    this.log({ at: this.now(), action: 'create', keyId: r.id });
    this.save();
    return this.summary(r);
  }

  /** The bytes of an active master key (for badge key derivation and the resolver). */
  masterKey(id: string): Uint8Array {
    this.refresh();
    const r = this.find(id);
    if (r.kind !== 'master' || r.state === 'revoked')
      throw new BadgewireError('E_KEY_STATE', 'not an active master key', { keyId: id, state: r.state });
    return unb64(r.key);
  }

  /** A new link key for a reader, state `issued` until its first handshake; returns the bytes to provision. */
  createReaderKey(readerId: string): { summary: KeySummary; key: Uint8Array } {
    this.refresh();
    checkDeviceId('reader id', readerId);
    if (this.c.keys.some((k) => k.kind === 'reader' && k.owner === readerId && k.state !== 'revoked'))
      throw new BadgewireError('E_KEY_STATE', 'reader already has a live key; rotate it instead', {
        readerId,
      });
    const r = this.add('reader', readerId, undefined, 'issued');
    this.log({ at: this.now(), action: 'create', keyId: r.id, to: readerId });
    this.save();
    return { summary: this.summary(r), key: unb64(r.key) };
  }

  /** Starts a rotation: the live key becomes `rotating` (still accepted), a new key is `issued`. */
  rotateReaderKey(readerId: string): { summary: KeySummary; key: Uint8Array } {
    this.refresh();
    checkDeviceId('reader id', readerId);
    const live = this.c.keys.filter(
      (k) => k.kind === 'reader' && k.owner === readerId && k.state !== 'revoked',
    );
    const cur = live.find((k) => k.state === 'active' || k.state === 'issued');
    if (!cur || live.some((k) => k.state === 'rotating'))
      throw new BadgewireError(
        'E_KEY_STATE',
        'reader has no key to rotate, or a rotation is already running',
        { readerId },
      );
    cur.state = 'rotating';
    const r = this.add('reader', readerId, undefined, 'issued');
    this.log({ at: this.now(), action: 'rotate', keyId: r.id, to: readerId });
    this.save();
    return { summary: this.summary(r), key: unb64(r.key) };
  }

  /** Marks a reader key active after its first good handshake; any `rotating` key of that reader is revoked. */
  activateReaderKey(keyId: string): void {
    this.refresh();
    const r = this.find(keyId);
    if (r.kind !== 'reader' || r.state === 'revoked' || r.state === 'rotating')
      throw new BadgewireError('E_KEY_STATE', 'only an issued or active reader key can be activated', {
        keyId,
      });
    if (r.state === 'active') return;
    for (const k of this.c.keys)
      if (k.kind === 'reader' && k.owner === r.owner && k.state === 'rotating') k.state = 'revoked';
    r.state = 'active';
    this.log({ at: this.now(), action: 'activate', keyId, to: r.owner });
    this.save();
  }

  /** Keys a reader may handshake with right now, newest first. */
  readerKeys(readerId: string): { id: string; state: KeyState; key: Uint8Array }[] {
    this.refresh();
    return this.c.keys
      .filter((k) => k.kind === 'reader' && k.owner === readerId && k.state !== 'revoked')
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((k) => ({ id: k.id, state: k.state, key: unb64(k.key) }));
  }

  /** A new API client key (HMAC secret for the client's tokens). */
  createApiKey(clientId: string): { summary: KeySummary; key: Uint8Array } {
    this.refresh();
    checkDeviceId('client id', clientId);
    const r = this.add('api', clientId, undefined, 'active');
    this.log({ at: this.now(), action: 'create', keyId: r.id, to: clientId });
    this.save();
    return { summary: this.summary(r), key: unb64(r.key) };
  }

  /** Active API keys of a client. */
  apiKeys(clientId: string): { id: string; key: Uint8Array }[] {
    this.refresh();
    return this.c.keys
      .filter((k) => k.kind === 'api' && k.owner === clientId && k.state === 'active')
      .map((k) => ({ id: k.id, key: unb64(k.key) }));
  }

  revoke(keyId: string): void {
    this.refresh();
    const r = this.find(keyId);
    if (r.state === 'revoked') return;
    r.state = 'revoked';
    this.log({ at: this.now(), action: 'revoke', keyId, to: r.owner });
    this.save();
  }

  /** The tenant's journal data key, created on first use (the tenant id is checked by the caller). */
  journalKey(tenant: string): Uint8Array {
    this.refresh();
    let k = this.c.journalKeys[tenant];
    if (!k) {
      k = b64(newKey());
      this.c.journalKeys[tenant] = k;
      this.save();
    }
    return unb64(k);
  }

  /** The key that seals backup snapshots. */
  backupKey(): Uint8Array {
    return unb64(this.c.backupKey);
  }

  /** Records a badge-key export to a provisioning station (count only: serials are personal data). */
  recordBadgeExport(masterKeyId: string, stationId: string, count: number): void {
    this.refresh();
    this.log({ at: this.now(), action: 'badge-export', keyId: masterKeyId, to: stationId, count });
    this.save();
  }

  list(): KeySummary[] {
    this.refresh();
    return this.c.keys.map((r) => this.summary(r));
  }

  issued(): IssueRecord[] {
    this.refresh();
    return this.c.issued.map((r) => ({ ...r }));
  }
}
