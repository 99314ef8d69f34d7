/**
 * Provisioning over the console: a reader's bw.cfg (identity, door, link key, scan settings) or a badge's
 * bw.badge + bw.clk, each written in one Storage.write that the board checks by CRC before committing it, then
 * read back. The reader's link key comes from the host key store through an injected source (the firmware
 * tooling may not import the host): the key already issued to this reader is written again when an earlier
 * provisioning was cut short, a new one is issued otherwise, and a reader that has proved its key on the link
 * is refused (from then on the key changes only by an authenticated REKEY). Nothing here logs key bytes.
 */
import { crc32 } from 'node:zlib';
import type { Link } from '@badgewire/protocol';
import { ConsoleSession } from './console-session';
import {
  type BadgeFields,
  badgeRecords,
  otherRoleFiles,
  type ReaderFields,
  readerRecord,
  type StorageRecord,
} from './device-fields';
import { FlashError } from './errors';
import { chunkCommand } from './flash';

/** The part of the host KeyStore the tool needs (KeyStore itself satisfies it). */
export interface ReaderKeySource {
  readerKeys(readerId: string): { id: string; state: string; key: Uint8Array }[];
  createReaderKey(readerId: string): { summary: { id: string }; key: Uint8Array };
}

export interface ProvisionDeps {
  keys: ReaderKeySource;
  /** The host's public key handle (host/src/keys fingerprint). */
  fingerprint(key: Uint8Array): string;
}

export type ReaderPlan = Omit<ReaderFields, 'key'>;

export interface ProvisionReport {
  role: 'reader' | 'badge';
  files: string[];
  readerId?: string;
  keyId?: string;
  /** Fingerprint of the key written (reader K_r, badge K_id): a public handle, never the key. */
  fingerprint: string;
  /** True when the reader got the key issued to it before (an interrupted provisioning). */
  reusedKey?: boolean;
}

export interface SessionOpts {
  timeoutMs?: number;
  transport?: 'serial' | 'ble';
}

const S = 'require("Storage")';

/** The reader's key: the one issued and not yet proven, or a new one; refuses a reader with a proven key. */
export function issueReaderKey(
  keys: ReaderKeySource,
  readerId: string,
): { keyId: string; key: Uint8Array; reused: boolean } {
  const live = keys.readerKeys(readerId);
  if (live.some((k) => k.state === 'active' || k.state === 'rotating'))
    throw new FlashError('E_PROVISION_KEYED', `reader ${readerId} already proved its link key`);
  const issued = live.find((k) => k.state === 'issued');
  if (issued) return { keyId: issued.id, key: issued.key, reused: true };
  const r = keys.createReaderKey(readerId);
  return { keyId: r.summary.id, key: r.key, reused: false };
}

/** Writes records (each CRC-checked on the board before and after the write) and removes `remove`. */
export async function writeRecords(
  s: ConsoleSession,
  records: StorageRecord[],
  remove: string[],
  T: number,
): Promise<void> {
  for (const f of remove) await s.eval(`${S}.erase(${JSON.stringify(f)})`, T, 'erase ' + f);
  for (const r of records) {
    const cmd = chunkCommand(r.file, r.bytes, r.bytes.length, 0);
    const want = crc32(r.bytes) >>> 0;
    for (let attempt = 0; ; attempt++) {
      const a = await s.eval(cmd, T, 'write ' + r.file);
      if (a === 'C' && attempt < 3) continue;
      if (Number(a) >>> 0 !== want)
        throw new FlashError('E_FLASH_VERIFY', `${r.file} did not read back as written`);
      break;
    }
  }
}

export async function provisionReader(
  link: Link,
  plan: ReaderPlan,
  deps: ProvisionDeps,
  o: SessionOpts = {},
): Promise<ProvisionReport> {
  const T = o.timeoutMs ?? 10_000;
  // Validate everything but the key before a key is issued, so a bad job line costs no key.
  readerRecord({ ...plan, key: '00'.repeat(32) });
  const s = new ConsoleSession(link, { transport: o.transport });
  await s.sync(T);
  const k = issueReaderKey(deps.keys, plan.id.toLowerCase());
  const rec = readerRecord({ ...plan, id: plan.id.toLowerCase(), key: Buffer.from(k.key).toString('hex') });
  try {
    await writeRecords(s, [rec], otherRoleFiles('reader'), T);
  } finally {
    rec.bytes.fill(0);
  }
  return {
    role: 'reader',
    files: [rec.file],
    readerId: plan.id.toLowerCase(),
    keyId: k.keyId,
    fingerprint: deps.fingerprint(k.key),
    reusedKey: k.reused,
  };
}

export async function provisionBadge(
  link: Link,
  fields: BadgeFields,
  fingerprint: (key: Uint8Array) => string,
  o: SessionOpts = {},
): Promise<ProvisionReport> {
  const T = o.timeoutMs ?? 10_000;
  const recs = badgeRecords(fields);
  const s = new ConsoleSession(link, { transport: o.transport });
  await s.sync(T);
  try {
    await writeRecords(s, recs, otherRoleFiles('badge'), T);
  } finally {
    for (const r of recs) r.bytes.fill(0);
  }
  return {
    role: 'badge',
    files: recs.map((r) => r.file),
    fingerprint: fingerprint(new Uint8Array(Buffer.from(fields.kId, 'hex'))),
  };
}

/** What `provision --dry-run` prints: the records with the key shown as a placeholder. */
export function planReader(plan: ReaderPlan): string[] {
  const rec = readerRecord({ ...plan, key: '00'.repeat(32) });
  const text = Buffer.from(rec.bytes)
    .toString('latin1')
    .replace(/"key":"0+"/, '"key":"<K_r from the key store>"');
  return [
    `erase ${otherRoleFiles('reader').join(', ')}`,
    `${rec.file} <- ${text}  (CRC-checked before and after the write)`,
  ];
}

/** Restarts the board so it boots the stored code with its new identity; the console may go away. */
export async function rebootDevice(link: Link, o: SessionOpts = {}): Promise<void> {
  const s = new ConsoleSession(link, { transport: o.transport });
  await s.sync(o.timeoutMs ?? 10_000);
  await s.sendRaw('\x10E.reboot()\n', o.timeoutMs ?? 10_000);
  // The banner shows the restart happened; over BLE the connection drops instead, which ends the wait too.
  await s.expect(/espruino\.com/, 3000, 'the banner after E.reboot()').catch(() => undefined);
}
