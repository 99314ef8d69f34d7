/**
 * Encrypted snapshots of tenant journals. A snapshot is taken with SQLite's online backup API (readers and
 * the group-committer keep running), then sealed whole with AES-256-GCM under the key store's backup key:
 *
 *   "BWBAK01\n" ‖ u32 BE header length ‖ header JSON ‖ nonce(12) ‖ ciphertext ‖ tag(16)
 *
 * The AAD is magic ‖ length ‖ header, so tenant, time and position cannot be relabelled. The unsealed copy
 * lives only as a temp file next to the output and is deleted before `snapshot` returns. Restoring needs the
 * key store too (it holds the backup key): back up the sealed key store file alongside (see `backupKeyStore`).
 */

import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { BadgewireError } from '../errors';
import { assertTenantId, type TenantStore, type TenantStores } from '../journal/index';
import { open, seal, utf8 } from '../keys/aead';
import { writeFileAtomic } from '../keys/sealed-file';
import { planRetention, type RetentionPolicy, type Snapshot } from './retention';

const MAGIC = utf8('BWBAK01\n');
const NAME = /^([a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?)--(\d{8}T\d{6}\d{3}Z)\.bwbak$/;

export interface SnapshotHeader {
  v: 1;
  tenant: string;
  createdAt: number;
  lastPos: number;
}

export function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, '');
}
export function unstamp(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(s);
  if (!m) return Number.NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!);
}

function frame(header: SnapshotHeader): { head: Uint8Array; aad: Uint8Array } {
  const json = utf8(JSON.stringify(header));
  const head = new Uint8Array(MAGIC.length + 4 + json.length);
  head.set(MAGIC, 0);
  new DataView(head.buffer).setUint32(MAGIC.length, json.length);
  head.set(json, MAGIC.length + 4);
  return { head, aad: head };
}

/** Takes an encrypted snapshot of one open tenant store into `dir`; returns the file path and header. */
export async function snapshotTenant(
  store: TenantStore,
  dir: string,
  backupKey: Uint8Array,
  now: () => number = Date.now,
): Promise<{ path: string; header: SnapshotHeader }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const at = now();
  const tmp = join(dir, `.${store.tenant}.${randomBytes(4).toString('hex')}.partial`);
  try {
    const header: SnapshotHeader = { v: 1, tenant: store.tenant, createdAt: at, lastPos: 0 };
    await store.db.backup(tmp);
    const copy = new Database(tmp, { readonly: true });
    try {
      header.lastPos = (copy.prepare('SELECT max(pos) FROM events').pluck().get() as number | null) ?? 0;
    } finally {
      copy.close();
    }
    const { head, aad } = frame(header);
    const body = seal(backupKey, new Uint8Array(readFileSync(tmp)), aad);
    const out = new Uint8Array(head.length + body.length);
    out.set(head, 0);
    out.set(body, head.length);
    const path = join(dir, `${store.tenant}--${stamp(at)}.bwbak`);
    writeFileAtomic(path, out);
    return { path, header };
  } catch (e) {
    if (e instanceof BadgewireError) throw e;
    throw new BadgewireError(
      'E_BACKUP_IO',
      'snapshot failed; check the backup dir and free space',
      { tenant: store.tenant },
      { cause: e },
    );
  } finally {
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  }
}

/** Reads and authenticates a snapshot file; returns its header and the SQLite image. */
export function openSnapshot(
  file: Uint8Array,
  backupKey: Uint8Array,
): { header: SnapshotHeader; image: Uint8Array } {
  const bad = () => new BadgewireError('E_BACKUP_FORMAT', 'not a badgewire snapshot file', {});
  if (file.length < MAGIC.length + 4 || !MAGIC.every((b, i) => file[i] === b)) throw bad();
  const len = new DataView(file.buffer, file.byteOffset).getUint32(MAGIC.length);
  const end = MAGIC.length + 4 + len;
  if (len > 4096 || end > file.length) throw bad();
  let header: SnapshotHeader;
  try {
    header = JSON.parse(Buffer.from(file.subarray(MAGIC.length + 4, end)).toString('utf8')) as SnapshotHeader;
  } catch {
    throw bad();
  }
  const image = open(backupKey, file.subarray(end), file.subarray(0, end));
  if (!image)
    throw new BadgewireError(
      'E_BACKUP_AUTH',
      'snapshot failed authentication: wrong key store or altered file',
      {},
    );
  return { header, image };
}

/**
 * Restores `tenant` from a snapshot. The tenant's store must be closed. The image is checked (integrity and
 * tenant) in a temp file first, then swapped in with a rename, after removing the old WAL and SHM files that
 * would otherwise be replayed over the restored image.
 */
export function restoreTenant(
  stores: TenantStores,
  tenant: string,
  file: Uint8Array,
  backupKey: Uint8Array,
): SnapshotHeader {
  assertTenantId(tenant);
  const { header, image } = openSnapshot(file, backupKey);
  if (header.tenant !== tenant)
    throw new BadgewireError('E_BACKUP_FORMAT', 'snapshot belongs to another tenant', { tenant });
  if (stores.isOpen(tenant))
    throw new BadgewireError('E_BACKUP_IO', 'close the tenant store (stop the bridge) before restoring', {
      tenant,
    });
  const path = stores.pathOf(tenant);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.restore-${randomBytes(4).toString('hex')}`;
  try {
    writeFileAtomic(tmp, image);
    const db = new Database(tmp);
    try {
      const ok = db.pragma('integrity_check', { simple: true });
      const owner = db.prepare("SELECT v FROM meta WHERE k = 'tenant'").pluck().get();
      if (ok !== 'ok' || owner !== tenant)
        throw new BadgewireError('E_BACKUP_CORRUPT', 'snapshot image failed the integrity check', { tenant });
      db.pragma('journal_mode = DELETE');
    } finally {
      db.close();
    }
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    renameSync(tmp, path);
    return header;
  } catch (e) {
    if (e instanceof BadgewireError) throw e;
    throw new BadgewireError(
      'E_BACKUP_CORRUPT',
      'snapshot image is not a readable database',
      { tenant },
      { cause: e },
    );
  } finally {
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  }
}

/** Copies the sealed key store into the backup dir (it is already sealed under the operator's secret). */
export function backupKeyStore(keyStorePath: string, dir: string, now: () => number = Date.now): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `keystore--${stamp(now())}.sealed`);
  copyFileSync(keyStorePath, path);
  return path;
}

/** Snapshots of `tenant` in `dir`, by time. */
export function listSnapshots(dir: string, tenant?: string): (Snapshot & { tenant: string })[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: (Snapshot & { tenant: string })[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m || (tenant !== undefined && m[1] !== tenant)) continue;
    const at = unstamp(m[2]!);
    if (Number.isFinite(at)) out.push({ name, at, tenant: m[1]! });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Applies the retention policy to one tenant's snapshots; returns the names deleted. */
export function pruneSnapshots(dir: string, tenant: string, policy: RetentionPolicy): string[] {
  const { drop } = planRetention(listSnapshots(dir, tenant), policy);
  for (const name of drop) unlinkSync(join(dir, name));
  return drop;
}
