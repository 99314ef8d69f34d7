/**
 * Append-only, tamper-evident audit trail of administrative actions: one JSON line per entry, each
 * carrying the SHA-256 of its predecessor's hash and its own canonical content, so an edited, deleted or
 * reordered line breaks the chain. Truncation at the tail is caught by checking against a head
 * (seq, hash) saved elsewhere, e.g. by an integrator polling /v1/audit/head.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export const GENESIS = '0'.repeat(64);

export interface AuditInput {
  actor: { iss: string; sub: string };
  action: string;
  /** Opaque, already pseudonymised target (never a raw badge ref or any PII). */
  target: string;
  detail: Record<string, string | number | boolean | string[]>;
}

export interface AuditEntry extends AuditInput {
  seq: number;
  at: number;
  prev: string;
  hash: string;
}

export type AuditVerdict =
  | { ok: true; count: number; head: { seq: number; hash: string } }
  | {
      ok: false;
      index: number;
      reason: 'unparsable' | 'seq_gap' | 'chain_broken' | 'hash_mismatch' | 'truncated';
    };

/** JSON with object keys sorted at every depth, so the hash does not depend on insertion order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function entryHash(prev: string, e: Omit<AuditEntry, 'prev' | 'hash'>): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    target: e.target,
    detail: e.detail,
  });
  return createHash('sha256').update(prev).update('\n').update(body).digest('hex');
}

/** Checks a sequence of lines; `anchor` is a head seen earlier, which must still be present. */
export function verifyAuditLines(lines: string[], anchor?: { seq: number; hash: string }): AuditVerdict {
  let prev = GENESIS;
  let seq = 0;
  let anchorSeen = anchor === undefined || anchor.seq === 0;
  for (let i = 0; i < lines.length; i++) {
    let e: AuditEntry;
    try {
      e = JSON.parse(lines[i]!) as AuditEntry;
    } catch {
      return { ok: false, index: i, reason: 'unparsable' };
    }
    if (typeof e !== 'object' || e === null || Array.isArray(e))
      return { ok: false, index: i, reason: 'unparsable' };
    if (e.seq !== seq + 1) return { ok: false, index: i, reason: 'seq_gap' };
    if (e.prev !== prev) return { ok: false, index: i, reason: 'chain_broken' };
    if (entryHash(prev, e) !== e.hash) return { ok: false, index: i, reason: 'hash_mismatch' };
    if (anchor && e.seq === anchor.seq) {
      if (e.hash !== anchor.hash) return { ok: false, index: i, reason: 'hash_mismatch' };
      anchorSeen = true;
    }
    prev = e.hash;
    seq = e.seq;
  }
  if (!anchorSeen) return { ok: false, index: lines.length, reason: 'truncated' };
  return { ok: true, count: seq, head: { seq, hash: prev } };
}

export interface AuditTrail {
  append(input: AuditInput): AuditEntry;
  list(afterSeq: number, limit: number): AuditEntry[];
  head(): { seq: number; hash: string };
  /** Re-reads the file from disk, so edits made behind the process's back are caught. */
  verify(anchor?: { seq: number; hash: string }): AuditVerdict;
}

function readLines(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
}

export function openAuditTrail(path: string, now: () => number): AuditTrail {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const existing = readLines(path);
  const last = existing.length > 0 ? (JSON.parse(existing[existing.length - 1]!) as AuditEntry) : undefined;
  let head = last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS };
  return {
    append(input) {
      const base = { seq: head.seq + 1, at: now(), ...input };
      const entry: AuditEntry = { ...base, prev: head.hash, hash: entryHash(head.hash, base) };
      // An admin action counts only once its audit line is on disk.
      const fd = openSync(path, 'a', 0o600);
      try {
        writeSync(fd, `${JSON.stringify(entry)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      head = { seq: entry.seq, hash: entry.hash };
      return entry;
    },
    list(afterSeq, limit) {
      const out: AuditEntry[] = [];
      for (const l of readLines(path)) {
        const e = JSON.parse(l) as AuditEntry;
        if (e.seq > afterSeq) out.push(e);
        if (out.length >= limit) break;
      }
      return out;
    },
    head: () => ({ ...head }),
    verify: (anchor) => verifyAuditLines(readLines(path), anchor),
  };
}
