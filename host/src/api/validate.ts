/**
 * Validation of administrative bodies. Unknown fields are refused rather than ignored so that nothing
 * personal (a name, an email) can ride along into the decision engine or the audit trail.
 */
import { createHash } from 'node:crypto';
import { ApiError } from './errors';

export interface EntitlementUpdate {
  badgeRef: string;
  doors: string[];
  validFrom: number;
  validUntil: number;
}

export type RevocationReason = 'lost' | 'stolen' | 'expired' | 'other';

export interface RevocationUpdate {
  badgeRef: string;
  reason: RevocationReason;
  effectiveAt: number;
}

/** Where accepted updates go (the access-decision engine); the API records them in the audit trail first. */
export interface PolicySink {
  entitlement(tenant: string, e: EntitlementUpdate): Promise<void>;
  revocation(tenant: string, r: RevocationUpdate): Promise<void>;
}

const REF_RE = /^[A-Za-z0-9_-]{8,128}$/;
const DOOR_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
const REASONS: readonly RevocationReason[] = ['lost', 'stolen', 'expired', 'other'];

function fail(field: string, why: string): never {
  throw new ApiError('invalid_body', `${field}: ${why}`);
}

function asObject(body: unknown, allowed: string[]): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) fail('body', 'must be a JSON object');
  for (const k of Object.keys(body)) if (!allowed.includes(k)) fail(k, 'unknown field');
  return body as Record<string, unknown>;
}

function badgeRef(v: unknown): string {
  if (typeof v !== 'string' || !REF_RE.test(v))
    fail('badgeRef', 'must be an opaque reference of 8-128 [A-Za-z0-9_-]');
  return v;
}

function epochMs(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(field, 'must be epoch milliseconds');
  return v;
}

export function parseEntitlement(body: unknown): EntitlementUpdate {
  const o = asObject(body, ['badgeRef', 'doors', 'validFrom', 'validUntil']);
  const doors = o['doors'];
  if (!Array.isArray(doors) || doors.length === 0 || doors.length > 256)
    fail('doors', 'must list 1-256 door ids');
  for (const d of doors)
    if (typeof d !== 'string' || !DOOR_RE.test(d)) fail('doors', 'contains an invalid door id');
  const validFrom = epochMs('validFrom', o['validFrom']);
  const validUntil = epochMs('validUntil', o['validUntil']);
  if (validUntil <= validFrom) fail('validUntil', 'must be after validFrom');
  return { badgeRef: badgeRef(o['badgeRef']), doors: [...new Set(doors as string[])], validFrom, validUntil };
}

export function parseRevocation(body: unknown, now: number): RevocationUpdate {
  const o = asObject(body, ['badgeRef', 'reason', 'effectiveAt']);
  const reason = o['reason'];
  if (typeof reason !== 'string' || !(REASONS as readonly string[]).includes(reason)) {
    fail('reason', `must be one of ${REASONS.join(', ')}`);
  }
  const effectiveAt = o['effectiveAt'] === undefined ? now : epochMs('effectiveAt', o['effectiveAt']);
  return { badgeRef: badgeRef(o['badgeRef']), reason: reason as RevocationReason, effectiveAt };
}

/** The audit trail names a badge only by this tenant-scoped digest, never by its reference. */
export function pseudonym(tenant: string, ref: string): string {
  return `ref:${createHash('sha256').update(`badgewire-audit\u0000${tenant}\u0000${ref}`).digest('hex').slice(0, 32)}`;
}
