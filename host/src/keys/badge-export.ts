/**
 * Badge key export for one provisioning station: serial -> K_id/K_tap for the badges that station writes,
 * derived from the event master key with `deriveBadgeKeys` (protocol/src/badge, SP 800-108 CMAC KDF) and
 * sealed to the station's key file or a passphrase (./sealed-file: scrypt + AES-256-GCM). The file is the
 * only place badge keys ever exist outside the host's memory; the key store logs the export by station id
 * and count only, because badge serials are stable badge ids.
 */
import { deriveBadgeKeys, nobleAes } from '@badgewire/protocol';
import { BadgewireError } from '../errors';
import { fingerprint, type KeyStore } from './key-store';
import { newSealingKey, openFile, type Secret, sealFile } from './sealed-file';

const FORMAT = 'badgewire-badge-export';
/** Serials as printed on badges: ASCII letters, digits and hyphens; their ASCII bytes are the KDF context. */
export const BADGE_SERIAL = /^[A-Za-z0-9-]{1,64}$/;
const STATION_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export interface BadgeExport {
  v: 1;
  station: string;
  masterKeyId: string;
  masterFingerprint: string;
  createdAt: number;
  badges: { serial: string; kId: string; kTap: string }[];
}

export interface ExportOptions {
  masterKeyId: string;
  stationId: string;
  serials: string[];
  /** The station's key file bytes, or a passphrase the station operator types. */
  to: Secret;
  now?: () => number;
}

export function serialBytes(serial: string): Uint8Array {
  if (!BADGE_SERIAL.test(serial))
    throw new BadgewireError(
      'E_KEY_INPUT',
      'badge serial must be 1-64 chars of A-Z, a-z, 0-9 and hyphens',
      {},
    );
  return new Uint8Array(Buffer.from(serial, 'ascii'));
}

/** Builds the sealed export file and records the export in the key store. */
export function exportBadgeKeys(ks: KeyStore, opts: ExportOptions): Uint8Array {
  if (!STATION_ID.test(opts.stationId))
    throw new BadgewireError('E_KEY_INPUT', 'station id must be 1-64 chars [A-Za-z0-9._:-]', {});
  if (opts.serials.length === 0 || opts.serials.length > 200_000)
    throw new BadgewireError('E_KEY_INPUT', 'give between 1 and 200000 badge serials', {
      count: opts.serials.length,
    });
  if (new Set(opts.serials).size !== opts.serials.length)
    throw new BadgewireError('E_KEY_INPUT', 'badge serials must be unique', {});
  const mk = ks.masterKey(opts.masterKeyId);
  const body: BadgeExport = {
    v: 1,
    station: opts.stationId,
    masterKeyId: opts.masterKeyId,
    masterFingerprint: fingerprint(mk),
    createdAt: (opts.now ?? Date.now)(),
    badges: opts.serials.map((serial) => {
      const k = deriveBadgeKeys(nobleAes, mk, serialBytes(serial));
      const row = {
        serial,
        kId: Buffer.from(k.kId).toString('hex'),
        kTap: Buffer.from(k.kTap).toString('hex'),
      };
      k.kId.fill(0);
      k.kTap.fill(0);
      return row;
    }),
  };
  mk.fill(0);
  const plain = Buffer.from(JSON.stringify(body), 'utf8');
  const file = sealFile(FORMAT, newSealingKey(opts.to), plain);
  plain.fill(0);
  ks.recordBadgeExport(opts.masterKeyId, opts.stationId, opts.serials.length);
  return file;
}

/** Opens an export at the station. `expectStation` guards against loading another station's file. */
export function openBadgeExport(file: Uint8Array, secret: Secret, expectStation?: string): BadgeExport {
  let plaintext: Uint8Array;
  try {
    plaintext = openFile(FORMAT, file, secret).plaintext;
  } catch (e) {
    if (e instanceof BadgewireError && e.code === 'E_KEYSTORE_AUTH')
      throw new BadgewireError(
        'E_EXPORT_AUTH',
        'wrong station key or passphrase, or the export was altered',
        {},
      );
    if (e instanceof BadgewireError && e.code === 'E_KEYSTORE_FORMAT')
      throw new BadgewireError('E_EXPORT_FORMAT', 'not a badgewire badge-key export', {});
    throw e;
  }
  const out = JSON.parse(Buffer.from(plaintext).toString('utf8')) as BadgeExport;
  if (expectStation !== undefined && out.station !== expectStation)
    throw new BadgewireError('E_EXPORT_FORMAT', 'this export was made for another station', {});
  return out;
}
