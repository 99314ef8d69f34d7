/**
 * Key schedules of all badges in one contiguous Uint32Array, 3 × 44 words per badge (K_id encryption, K_id
 * decryption, K_tap decryption), with per-badge views for the @noble block core. Expanded once at
 * registration: the resolver never re-expands a key, and a whole slide walks the schedules in order.
 * This is key material: it is zeroed when a badge is forgotten and never logged.
 */
import { expandDecrypt, expandEncrypt } from '../crypto/fast';

const KS = 132;

export class KeySchedules {
  private ks: Uint32Array;
  readonly id: Uint32Array[] = [];
  readonly idDec: Uint32Array[] = [];
  readonly tapDec: Uint32Array[] = [];

  constructor(capacity: number) {
    this.ks = new Uint32Array(capacity * KS);
  }

  set(b: number, kId: Uint8Array, kTap: Uint8Array): void {
    this.ks.set(expandEncrypt(kId), b * KS);
    this.ks.set(expandDecrypt(kId), b * KS + 44);
    this.ks.set(expandDecrypt(kTap), b * KS + 88);
    this.views(b);
  }

  clear(b: number): void {
    this.ks.fill(0, b * KS, b * KS + KS);
  }

  /** Grows to `capacity` badges, keeping the first `n`. */
  grow(capacity: number, n: number): void {
    const next = new Uint32Array(capacity * KS);
    next.set(this.ks);
    this.ks.fill(0);
    this.ks = next;
    for (let b = 0; b < n; b++) this.views(b);
  }

  private views(b: number): void {
    const o = b * KS;
    this.id[b] = this.ks.subarray(o, o + 44);
    this.idDec[b] = this.ks.subarray(o + 44, o + 88);
    this.tapDec[b] = this.ks.subarray(o + 88, o + 132);
  }
}
