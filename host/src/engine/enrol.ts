/**
 * Badge enrolment: the host derives each badge's K_id/K_tap from the event master key in the sealed KeyStore
 * and the badge's printed serial (`deriveBadgeKeys`, the same KDF the provisioning station used), hands them
 * to the resolver under an opaque attendee ref, and wipes its copies. The serial is a stable badge id, so it
 * is used only as KDF input here: never kept, logged, journalled or echoed in an error.
 *
 * The enrolment list (ref -> serial) is operator input, e.g. a file next to the config (`readEnrolmentFile`).
 */
import { readFileSync } from 'node:fs';
import { deriveBadgeKeys, fastAes, type Resolver } from '@badgewire/protocol';
import { BadgewireError, type ErrorContext } from '../errors';
import { serialBytes } from '../keys/index';

export interface BadgeEnrolment {
  /** Opaque attendee ref (what the API's entitlements and the journal use). */
  ref: string;
  /** The badge serial as printed (KDF context only). */
  serial: string;
  /** badge_time - host_time in seconds as provisioned; 0 for badges set to host time. */
  offsetS?: number;
}

export interface MasterKeySource {
  masterKey(id: string): Uint8Array;
}

export interface EnrolmentFile {
  masterKeyId: string;
  badges: BadgeEnrolment[];
}

export const REF = /^[A-Za-z0-9._:-]{1,64}$/;

function bad(message: string, ctx: ErrorContext = {}): BadgewireError {
  return new BadgewireError('E_ENGINE_ENROL', message, ctx);
}

/** Adds every badge to `resolver`; returns how many. Typed errors carry positions, never serials or keys. */
export function enrolBadges(
  resolver: Resolver,
  keys: MasterKeySource,
  masterKeyId: string,
  badges: readonly BadgeEnrolment[],
): number {
  const mk = keys.masterKey(masterKeyId);
  try {
    const seen = new Set<string>();
    badges.forEach((b, i) => {
      if (typeof b?.ref !== 'string' || !REF.test(b.ref))
        throw bad('badge ref must be 1-64 chars [A-Za-z0-9._:-]', { index: i });
      if (b.ref === b.serial) throw bad('badge ref must be opaque, not the serial', { index: i });
      if (seen.has(b.ref)) throw bad('badge ref enrolled twice', { index: i });
      seen.add(b.ref);
      let serial: Uint8Array;
      try {
        serial = serialBytes(b.serial);
      } catch {
        throw bad('badge serial must be 1-64 chars of A-Z, a-z, 0-9 and hyphens', { index: i });
      }
      const k = deriveBadgeKeys(fastAes, mk, serial);
      try {
        resolver.addBadge(b.ref, k.kId, k.kTap, b.offsetS ?? 0);
      } finally {
        k.kId.fill(0);
        k.kTap.fill(0);
        serial.fill(0);
      }
    });
    return badges.length;
  } finally {
    mk.fill(0);
  }
}

/** Reads `{ masterKeyId, badges: [{ ref, serial, offsetS? }] }`; shape errors are typed, contents never echoed. */
export function readEnrolmentFile(path: string): EnrolmentFile {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw bad('enrolment file is missing or not JSON', { path });
  }
  const o = v as Partial<EnrolmentFile> | null;
  if (!o || typeof o.masterKeyId !== 'string' || !Array.isArray(o.badges))
    throw bad('enrolment file must be { masterKeyId, badges: [{ ref, serial, offsetS? }] }', { path });
  for (const [i, b] of o.badges.entries())
    if (typeof b !== 'object' || b === null || (b.offsetS !== undefined && !Number.isFinite(b.offsetS)))
      throw bad('enrolment entry must be { ref, serial, offsetS? }', { index: i });
  return { masterKeyId: o.masterKeyId, badges: o.badges };
}
