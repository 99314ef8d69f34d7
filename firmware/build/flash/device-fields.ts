/**
 * The allow-list of what a device may hold, and the Storage records built from it. Provisioning writes only
 * these fields: a reader holds its id, its link key, its door and scan settings; a badge holds its two keys,
 * the company id and its clock. Anything else (a name, an e-mail, a badge serial, badge keys on a reader) is
 * refused before a byte is sent, by field name, so a job file with a stray column cannot leak it.
 * Formats: firmware/src/app/config.ts (bw.cfg) and firmware/src/app/badge.ts (bw.badge, bw.clk).
 */
import { FlashError } from './errors';

export const READER_FIELDS = ['id', 'key', 'door', 'cid', 'si', 'sw', 'dd', 'relay', 'link'] as const;
export const BADGE_FIELDS = ['kId', 'kTap', 'cid', 'clock'] as const;
export const READER_LINKS = ['ble', 'Serial1', 'Serial2'] as const;

export interface ReaderFields {
  /** 16 hex digits. */
  id: string;
  /** K_r, 64 hex digits (issued by the host key store). */
  key: string;
  door?: number;
  cid?: number;
  si?: number;
  sw?: number;
  dd?: number;
  relay?: number;
  link?: string;
}

export interface BadgeFields {
  kId: string;
  kTap: string;
  cid: number;
  /** The badge clock in seconds (bw.clk "t"). */
  clock: number;
}

export interface StorageRecord {
  file: string;
  bytes: Uint8Array;
}

/** Ranges the reader firmware accepts (it falls back to defaults outside them, which would hide a typo). */
const READER_RANGES: Record<string, [number, number]> = {
  door: [0, 0xffff],
  cid: [0, 0xffff],
  si: [10, 10000],
  sw: [10, 10000],
  dd: [1000, 600000],
  relay: [100, 10000],
};

function refuse(msg: string): never {
  throw new FlashError('E_PROVISION_FIELD', msg);
}

function onlyAllowed(role: string, o: object, allowed: readonly string[]): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k))
      refuse(`a ${role} may not hold "${k.slice(0, 32)}": allowed fields are ${allowed.join(', ')}`);
}

function hex(name: string, v: unknown, bytes: number): string {
  if (typeof v !== 'string' || !new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(v))
    refuse(`${name} must be ${bytes * 2} hex digits`);
  return v.toLowerCase();
}

function int(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
    refuse(`${name} must be an integer in ${lo}..${hi}`);
  return v;
}

/** Checks a reader's fields against the allow-list and the firmware's ranges; returns bw.cfg. */
export function readerRecord(f: ReaderFields): StorageRecord {
  onlyAllowed('reader', f, READER_FIELDS);
  const cfg: Record<string, unknown> = { id: hex('id', f.id, 8), key: hex('key', f.key, 32) };
  for (const k of Object.keys(READER_RANGES)) {
    const v = (f as unknown as Record<string, unknown>)[k];
    const r = READER_RANGES[k] as [number, number];
    if (v !== undefined) cfg[k] = int(k, v, r[0], r[1]);
  }
  if (f.link !== undefined) {
    if (!(READER_LINKS as readonly string[]).includes(f.link))
      refuse(`link must be one of ${READER_LINKS.join(', ')}`);
    cfg.link = f.link;
  }
  return { file: 'bw.cfg', bytes: new Uint8Array(Buffer.from(JSON.stringify(cfg), 'latin1')) };
}

/** Checks a badge's fields; returns bw.badge (K_id ‖ K_tap ‖ cid LE) and bw.clk. */
export function badgeRecords(f: BadgeFields): StorageRecord[] {
  onlyAllowed('badge', f, BADGE_FIELDS);
  const id = Buffer.concat([
    Buffer.from(hex('kId', f.kId, 16), 'hex'),
    Buffer.from(hex('kTap', f.kTap, 16), 'hex'),
    Buffer.from([int('cid', f.cid, 0, 0xffff) & 0xff, f.cid >> 8]),
  ]);
  const clk = JSON.stringify({ t: int('clock', f.clock, 0, 0xffffffff) });
  return [
    { file: 'bw.badge', bytes: new Uint8Array(id) },
    { file: 'bw.clk', bytes: new Uint8Array(Buffer.from(clk, 'latin1')) },
  ];
}

/** Files the other role keeps: provisioning one role removes them, so a board never holds both identities. */
export function otherRoleFiles(role: 'reader' | 'badge'): string[] {
  return role === 'reader' ? ['bw.badge', 'bw.clk', 'bw.ctr'] : ['bw.cfg'];
}
