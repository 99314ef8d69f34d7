/**
 * Sealed files: a JSON envelope naming the KDF and its parameters, and an AES-256-GCM body whose AAD is that
 * header, so parameters cannot be downgraded without failing authentication. The sealing key comes from a
 * passphrase or a key file through scrypt (RFC 7914), memory-hard: N = 2^15, r = 8, p = 1 uses 32 MiB and
 * about 0.1 s per derivation here, the OWASP floor for scrypt; stronger N is accepted on open.
 * Writes are atomic: temp file in the same directory, fsync, rename, fsync of the directory.
 */

import { randomBytes, scryptSync } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BadgewireError } from '../errors';
import { open, seal, utf8 } from './aead';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const SCRYPT_DEFAULT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const MIN_LOG_N = 15;
const MAX_LOG_N = 20;

/** What unlocks a sealed file: a passphrase (>= 12 chars) or the bytes of a key file (>= 32 bytes). */
export type Secret = { passphrase: string } | { keyFileBytes: Uint8Array };

function secretBytes(s: Secret): Uint8Array {
  if ('passphrase' in s) {
    if (typeof s.passphrase !== 'string' || s.passphrase.length < 12)
      throw new BadgewireError('E_KEYSTORE_SECRET', 'passphrase must be at least 12 characters', {});
    return utf8(s.passphrase.normalize('NFC'));
  }
  if (s.keyFileBytes.length < 32)
    throw new BadgewireError('E_KEYSTORE_SECRET', 'key file must hold at least 32 random bytes', {});
  return s.keyFileBytes;
}

export function deriveSealingKey(secret: Secret, salt: Uint8Array, prm: ScryptParams): Uint8Array {
  const logN = Math.log2(prm.N);
  if (
    !Number.isInteger(logN) ||
    logN < MIN_LOG_N ||
    logN > MAX_LOG_N ||
    prm.r < 8 ||
    prm.r > 32 ||
    prm.p < 1 ||
    prm.p > 4
  )
    throw new BadgewireError('E_KEYSTORE_FORMAT', 'scrypt parameters out of the accepted range', {
      N: prm.N,
      r: prm.r,
    });
  const maxmem = 256 * prm.N * prm.r * prm.p + 16 * 1024 * 1024;
  return new Uint8Array(scryptSync(secretBytes(secret), salt, 32, { N: prm.N, r: prm.r, p: prm.p, maxmem }));
}

interface Envelope {
  format: string;
  v: 1;
  kdf: { alg: 'scrypt'; N: number; r: number; p: number; salt: string };
  sealed: string;
}

function headerAad(e: Omit<Envelope, 'sealed'>): Uint8Array {
  return utf8(JSON.stringify([e.format, e.v, e.kdf.alg, e.kdf.N, e.kdf.r, e.kdf.p, e.kdf.salt]));
}

/** A derived sealing key bound to its salt and parameters, reusable for several writes of the same file. */
export interface SealingKey {
  key: Uint8Array;
  salt: Uint8Array;
  params: ScryptParams;
}

export function newSealingKey(secret: Secret, params: ScryptParams = SCRYPT_DEFAULT): SealingKey {
  const salt = new Uint8Array(randomBytes(16));
  return { key: deriveSealingKey(secret, salt, params), salt, params };
}

export function sealFile(format: string, sk: SealingKey, plaintext: Uint8Array): Uint8Array {
  const head = {
    format,
    v: 1 as const,
    kdf: { alg: 'scrypt' as const, ...sk.params, salt: Buffer.from(sk.salt).toString('base64') },
  };
  const body = seal(sk.key, plaintext, headerAad(head));
  return utf8(`${JSON.stringify({ ...head, sealed: Buffer.from(body).toString('base64') })}\n`);
}

/** Opens a sealed file. Wrong secret and tampering are the same error: nothing tells them apart to an attacker. */
export function openFile(
  format: string,
  bytes: Uint8Array,
  secret: Secret,
): { plaintext: Uint8Array; sk: SealingKey } {
  let env: Envelope;
  try {
    env = JSON.parse(Buffer.from(bytes).toString('utf8')) as Envelope;
  } catch {
    throw new BadgewireError('E_KEYSTORE_FORMAT', 'not a sealed badgewire file', { format });
  }
  if (env?.format !== format || env.v !== 1 || env.kdf?.alg !== 'scrypt' || typeof env.sealed !== 'string')
    throw new BadgewireError('E_KEYSTORE_FORMAT', 'not a sealed badgewire file of the expected kind', {
      format,
    });
  const salt = new Uint8Array(Buffer.from(env.kdf.salt, 'base64'));
  const params = { N: env.kdf.N, r: env.kdf.r, p: env.kdf.p };
  const key = deriveSealingKey(secret, salt, params);
  const plaintext = open(key, new Uint8Array(Buffer.from(env.sealed, 'base64')), headerAad(env));
  if (!plaintext)
    throw new BadgewireError('E_KEYSTORE_AUTH', 'wrong passphrase or key file, or the file was altered', {});
  return { plaintext, sk: { key, salt, params } };
}

/** Opens a sealed file with an already derived key (same salt and parameters), skipping the KDF. */
export function openFileWithKey(format: string, bytes: Uint8Array, sk: SealingKey): Uint8Array {
  let env: Envelope;
  try {
    env = JSON.parse(Buffer.from(bytes).toString('utf8')) as Envelope;
  } catch {
    throw new BadgewireError('E_KEYSTORE_FORMAT', 'not a sealed badgewire file', { format });
  }
  const same =
    env?.format === format &&
    env.kdf?.salt === Buffer.from(sk.salt).toString('base64') &&
    env.kdf.N === sk.params.N &&
    env.kdf.r === sk.params.r &&
    env.kdf.p === sk.params.p;
  if (!same)
    throw new BadgewireError(
      'E_KEYSTORE_FORMAT',
      'the key store was re-created or re-keyed on disk; reopen it',
      {},
    );
  const plaintext = open(sk.key, new Uint8Array(Buffer.from(env.sealed, 'base64')), headerAad(env));
  if (!plaintext)
    throw new BadgewireError('E_KEYSTORE_AUTH', 'the key store on disk failed authentication', {});
  return plaintext;
}

/** Replaces `path` with `data` so that a crash leaves either the old or the new file, never a torn one. */
export function writeFileAtomic(path: string, data: Uint8Array, mode = 0o600): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or never created
    }
    throw new BadgewireError(
      'E_KEYSTORE_IO',
      'could not write the file atomically; check permissions and space',
      {},
      { cause: e },
    );
  }
}

export function readFileOr(path: string, missingCode: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new BadgewireError(missingCode, 'file not found; create it first or check the path', {});
    throw new BadgewireError('E_KEYSTORE_IO', 'could not read the file; check permissions', {}, { cause: e });
  }
}
