/**
 * AES-256-GCM sealing shared by the key store, journal fields, backups and badge-key exports (node:crypto,
 * which uses AES-NI; @noble/ciphers gcm gives identical bytes and is the reference in the tests).
 * Layout: nonce(12) ‖ ciphertext ‖ tag(16). Nonces are random: at 2^32 seals per key the collision chance
 * stays below 2^-32 (NIST SP 800-38D §8.3), far beyond any event's volume.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const NONCE_LEN = 12;
export const TAG_LEN = 16;

// Nonces come from a pooled CSPRNG read: one getrandom call per 1024 seals instead of one per seal.
let pool = Buffer.alloc(0);
let poolAt = 0;
function nonce12(): Buffer {
  if (poolAt + NONCE_LEN > pool.length) {
    pool = randomBytes(NONCE_LEN * 1024);
    poolAt = 0;
  }
  const n = pool.subarray(poolAt, poolAt + NONCE_LEN);
  poolAt += NONCE_LEN;
  return n;
}

export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new TypeError(`seal: key must be 32 bytes, got length=${key.length}`);
  const nonce = nonce12();
  const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LEN });
  c.setAAD(aad);
  const body = c.update(plaintext);
  const fin = c.final();
  const out = new Uint8Array(NONCE_LEN + body.length + fin.length + TAG_LEN);
  out.set(nonce, 0);
  out.set(body, NONCE_LEN);
  out.set(fin, NONCE_LEN + body.length);
  out.set(c.getAuthTag(), NONCE_LEN + body.length + fin.length);
  return out;
}

/** The plaintext, or null when the tag does not verify (wrong key, wrong AAD, tampered or truncated). */
export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null {
  if (key.length !== 32) throw new TypeError(`open: key must be 32 bytes, got length=${key.length}`);
  if (sealed.length < NONCE_LEN + TAG_LEN) return null;
  const nonce = sealed.subarray(0, NONCE_LEN);
  const tag = sealed.subarray(sealed.length - TAG_LEN);
  const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LEN });
  d.setAAD(aad);
  d.setAuthTag(tag);
  try {
    const body = d.update(sealed.subarray(NONCE_LEN, sealed.length - TAG_LEN));
    const fin = d.final();
    const out = new Uint8Array(body.length + fin.length);
    out.set(body, 0);
    out.set(fin, body.length);
    return out;
  } catch {
    return null;
  }
}

const enc = new TextEncoder();
export function utf8(s: string): Uint8Array {
  return enc.encode(s);
}
