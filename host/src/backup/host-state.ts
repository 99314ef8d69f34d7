/**
 * Encrypted snapshots of the bridge's own state, next to the tenant journal snapshots: the API audit trails
 * (`<dataDir>/audit/<tenant>.jsonl`), the API clients file the operator maintains and the clients' last-use
 * record (`<dataDir>/api-clients.json`), and the reader records (`<dataDir>/state/readers.db`, copied with
 * SQLite's online backup so a running bridge can be snapshotted). Sealed whole under the key store's backup
 * key, like ./snapshot:
 *
 *   "BWHST01\n" ‖ u32 BE header length ‖ header JSON ‖ nonce(12) ‖ ciphertext ‖ tag(16)
 *
 * The header lists each entry's logical name and length; the plaintext is the entries back to back. Restore
 * accepts only the names written here, so a crafted archive cannot write outside the data dir.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { BadgewireError } from '../errors';
import { TENANT_ID } from '../journal/tenants';
import { open, seal, utf8 } from '../keys/aead';
import { writeFileAtomic } from '../keys/sealed-file';
import { planRetention, type RetentionPolicy } from './retention';
import { stamp, unstamp } from './snapshot';

const MAGIC = utf8('BWHST01\n');
const FILE = /^host--(\d{8}T\d{6}\d{3}Z)\.bwhost$/;
const AUDIT = /^audit\/([a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?)\.jsonl$/;
const MAX_HEADER = 64 * 1024;

export interface HostStatePaths {
  dataDir: string;
  /** The operator's API clients file (config `api.clientsFile`), if any. */
  clientsFile: string | null;
}

export interface HostStateHeader {
  v: 1;
  createdAt: number;
  entries: { name: string; size: number }[];
}

/** Logical name -> file path, for the names this module writes. Null for any other name. */
function pathOf(name: string, p: HostStatePaths): string | null {
  if (name === 'api-clients.json') return join(p.dataDir, 'api-clients.json');
  if (name === 'clients-file') return p.clientsFile;
  if (name === 'state/readers.db') return join(p.dataDir, 'state', 'readers.db');
  const m = AUDIT.exec(name);
  return m && TENANT_ID.test(m[1] as string) ? join(p.dataDir, 'audit', `${m[1]}.jsonl`) : null;
}

function readDb(path: string, dir: string): Uint8Array {
  const tmp = join(dir, `.readers.${randomBytes(4).toString('hex')}.partial`);
  const db = new Database(path, { fileMustExist: true });
  try {
    db.exec(`VACUUM INTO '${tmp.replace(/'/g, "''")}'`);
    return new Uint8Array(readFileSync(tmp));
  } finally {
    db.close();
    rmSync(tmp, { force: true });
  }
}

function collect(p: HostStatePaths, dir: string): { name: string; bytes: Uint8Array }[] {
  const out: { name: string; bytes: Uint8Array }[] = [];
  const auditDir = join(p.dataDir, 'audit');
  const audits = existsSync(auditDir) ? readdirSync(auditDir).filter((n) => n.endsWith('.jsonl')) : [];
  for (const n of audits.sort()) {
    const name = `audit/${n}`;
    if (pathOf(name, p)) out.push({ name, bytes: new Uint8Array(readFileSync(join(auditDir, n))) });
  }
  for (const name of ['api-clients.json', 'clients-file']) {
    const f = pathOf(name, p);
    if (f && existsSync(f)) out.push({ name, bytes: new Uint8Array(readFileSync(f)) });
  }
  const db = join(p.dataDir, 'state', 'readers.db');
  if (existsSync(db)) out.push({ name: 'state/readers.db', bytes: readDb(db, dir) });
  return out;
}

/** Writes `host--<time>.bwhost` into `dir` and prunes older ones by `retention`; returns the path. */
export function snapshotHostState(
  p: HostStatePaths,
  dir: string,
  backupKey: Uint8Array,
  retention: RetentionPolicy,
  now: () => number = Date.now,
): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const at = now();
  try {
    const entries = collect(p, dir);
    const header: HostStateHeader = {
      v: 1,
      createdAt: at,
      entries: entries.map((e) => ({ name: e.name, size: e.bytes.length })),
    };
    const json = utf8(JSON.stringify(header));
    const head = new Uint8Array(MAGIC.length + 4 + json.length);
    head.set(MAGIC, 0);
    new DataView(head.buffer).setUint32(MAGIC.length, json.length);
    head.set(json, MAGIC.length + 4);
    const body = new Uint8Array(entries.reduce((n, e) => n + e.bytes.length, 0));
    let o = 0;
    for (const e of entries) {
      body.set(e.bytes, o);
      o += e.bytes.length;
    }
    const sealed = seal(backupKey, body, head);
    const out = new Uint8Array(head.length + sealed.length);
    out.set(head, 0);
    out.set(sealed, head.length);
    const path = join(dir, `host--${stamp(at)}.bwhost`);
    writeFileAtomic(path, out);
    pruneHostState(dir, retention);
    return path;
  } catch (e) {
    if (e instanceof BadgewireError) throw e;
    throw new BadgewireError(
      'E_BACKUP_IO',
      'host state snapshot failed; check the data and backup dirs',
      {},
      { cause: e },
    );
  }
}

export function isHostStateFile(name: string): boolean {
  return FILE.test(name.split('/').pop() ?? '');
}

function pruneHostState(dir: string, retention: RetentionPolicy): void {
  const snaps = readdirSync(dir).flatMap((name) => {
    const m = FILE.exec(name);
    const at = m ? unstamp(m[1] as string) : Number.NaN;
    return Number.isFinite(at) ? [{ name, at }] : [];
  });
  for (const name of planRetention(snaps, retention).drop) unlinkSync(join(dir, name));
}

/** Authenticates a host state archive and returns its entries. Throws a typed error on anything else. */
export function openHostState(
  file: Uint8Array,
  backupKey: Uint8Array,
): { header: HostStateHeader; entries: { name: string; bytes: Uint8Array }[] } {
  const bad = () => new BadgewireError('E_BACKUP_FORMAT', 'not a badgewire host state snapshot', {});
  if (file.length < MAGIC.length + 4 || !MAGIC.every((b, i) => file[i] === b)) throw bad();
  const len = new DataView(file.buffer, file.byteOffset).getUint32(MAGIC.length);
  const end = MAGIC.length + 4 + len;
  if (len > MAX_HEADER || end > file.length) throw bad();
  let header: HostStateHeader;
  try {
    header = JSON.parse(
      Buffer.from(file.subarray(MAGIC.length + 4, end)).toString('utf8'),
    ) as HostStateHeader;
  } catch {
    throw bad();
  }
  const body = open(backupKey, file.subarray(end), file.subarray(0, end));
  if (!body)
    throw new BadgewireError(
      'E_BACKUP_AUTH',
      'host state snapshot failed authentication: wrong key store or altered file',
      {},
    );
  // Authenticated, but checked anyway: a bug in an older writer must not become a write outside the data dir.
  if (header.v !== 1 || !Array.isArray(header.entries)) throw bad();
  const entries: { name: string; bytes: Uint8Array }[] = [];
  let o = 0;
  for (const e of header.entries) {
    if (typeof e?.name !== 'string' || !Number.isInteger(e.size) || e.size < 0 || o + e.size > body.length)
      throw bad();
    entries.push({ name: e.name, bytes: body.subarray(o, o + e.size) });
    o += e.size;
  }
  if (o !== body.length) throw bad();
  return { header, entries };
}

/** Puts the archived files back (stop the bridge first). Returns the logical names restored. */
export function restoreHostState(file: Uint8Array, backupKey: Uint8Array, p: HostStatePaths): string[] {
  const { entries } = openHostState(file, backupKey);
  const plan = entries.map((e) => {
    const path = pathOf(e.name, p);
    if (!path)
      throw new BadgewireError('E_BACKUP_FORMAT', 'host state snapshot names a file it may not restore', {
        entry: e.name.slice(0, 64),
      });
    return { ...e, path };
  });
  for (const e of plan) {
    mkdirSync(dirname(e.path), { recursive: true, mode: 0o700 });
    if (e.name === 'state/readers.db') {
      rmSync(`${e.path}-wal`, { force: true });
      rmSync(`${e.path}-shm`, { force: true });
    }
    writeFileAtomic(e.path, e.bytes);
  }
  return plan.map((e) => e.name);
}
