/**
 * Single-use tap challenges (mode C, SPEC §10.5). The host hands each reader a small pool; the reader sends
 * one to the badge in its ISO-DEP command; the badge encrypts it into the tap block; the host consumes it
 * when it verifies the tap. A challenge is bound to the reader it was issued to, valid for `ttlS` seconds
 * from issue (10 by default), and deleted on first use whatever the outcome, so a relayed or replayed
 * response fails even before the counter check.
 *
 * Deliberately not durable: after a host restart every outstanding challenge is unknown, which fails
 * closed (readers simply fetch a new pool).
 */
import { toHex } from '../bytes';
import { E_BADGE_CHALLENGE } from '../errors';
import type { Random } from '../ports';

/** What the resolver needs from the issuer: consume one challenge, 0 when it was valid. */
export interface ChallengeCheck {
  consume(chal: Uint8Array, nowS: number): number;
}

interface Issued {
  reader: string;
  issuedS: number;
}

export class ChallengeIssuer {
  private readonly live = new Map<string, Issued>();
  private readonly perReader = new Map<string, string[]>();

  constructor(
    private readonly random: Random,
    private readonly ttlS = 10,
    private readonly maxPerReader = 32,
  ) {}

  /** `n` fresh challenges for `reader`. The oldest beyond `maxPerReader` are withdrawn. */
  issue(reader: string, n: number, nowS: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let q = this.perReader.get(reader);
    if (q === undefined) {
      q = [];
      this.perReader.set(reader, q);
    }
    while (out.length < n) {
      const c = new Uint8Array(8);
      this.random.fill(c);
      const key = toHex(c);
      // 00×8 is mode S's constant, and a duplicate would let one response satisfy two issues.
      if (key === '0000000000000000' || this.live.has(key)) continue;
      this.live.set(key, { reader: reader, issuedS: nowS });
      q.push(key);
      out.push(c);
    }
    while (q.length > this.maxPerReader) this.live.delete(q.shift() as string);
    return out;
  }

  /** 0 when `chal` was issued to `reader`, unused, and at most ttlS old; else E_BADGE_CHALLENGE. */
  consume(reader: string, chal: Uint8Array, nowS: number): number {
    if (chal.length !== 8) return E_BADGE_CHALLENGE;
    const key = toHex(chal);
    const it = this.live.get(key);
    if (it === undefined) return E_BADGE_CHALLENGE;
    this.live.delete(key);
    const q = this.perReader.get(it.reader);
    if (q !== undefined) {
      const i = q.indexOf(key);
      if (i >= 0) q.splice(i, 1);
    }
    if (it.reader !== reader) return E_BADGE_CHALLENGE;
    if (nowS < it.issuedS || nowS - it.issuedS > this.ttlS) return E_BADGE_CHALLENGE;
    return 0;
  }

  /** The check for taps arriving from one reader. */
  forReader(reader: string): ChallengeCheck {
    return { consume: (chal, nowS) => this.consume(reader, chal, nowS) };
  }

  /** Drops expired challenges (call every few seconds to bound memory). */
  prune(nowS: number): void {
    for (const [key, it] of this.live) {
      if (nowS - it.issuedS > this.ttlS) {
        this.live.delete(key);
        const q = this.perReader.get(it.reader);
        if (q !== undefined) {
          const i = q.indexOf(key);
          if (i >= 0) q.splice(i, 1);
          if (q.length === 0) this.perReader.delete(it.reader);
        }
      }
    }
  }

  get outstanding(): number {
    return this.live.size;
  }
}
