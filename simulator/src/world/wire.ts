/**
 * The reader's end of its host link as the world sees it: every byte in both directions is captured for the
 * PII audit, and a line-noise fault can flip bits, drop, duplicate or stall chunks while it is active.
 */
import type { Link } from '@badgewire/protocol';
import type { SeededRandom } from '../random';

export interface Noise {
  bitError: number;
  drop: number;
  dup: number;
  /** Chunks are held back while `stalledUntil` (virtual ms) is in the future. */
  stallMs: number;
}

export interface NoiseCounts {
  bitFlips: number;
  drops: number;
  dups: number;
  stalls: number;
}

export class WireLink implements Link {
  readonly tx: Uint8Array[] = [];
  readonly rx: Uint8Array[] = [];
  noise: Noise | null = null;
  /** Bytes written and received (counted even without capture). */
  moved = 0;
  /** Bytes handed to the medium and taken from it, after noise (for in-flight accounting). */
  sent = 0;
  got = 0;
  closed = false;
  /** The host's end of the same cable, when the host is up. */
  peer: { written: number; received: number; closed: boolean } | null = null;
  readonly counts: NoiseCounts = { bitFlips: 0, drops: 0, dups: 0, stalls: 0 };
  private held: Uint8Array[] = [];
  private stalledUntil = 0;
  private nowMs = 0;
  private dataCb: ((c: Uint8Array) => void) | null = null;

  constructor(
    private readonly inner: Link,
    private readonly rng: SeededRandom,
    private readonly capture: boolean,
  ) {
    inner.onClose(() => {
      this.closed = true;
    });
    inner.onData((c) => {
      this.got += c.length;
      this.moved += c.length;
      if (this.capture) this.rx.push(new Uint8Array(c));
      // A quiet line (no noise fault, nearly always) hands the chunk on without a list per chunk.
      if (this.noise === null) this.dataCb?.(c);
      else for (const x of this.disturb(c)) this.dataCb?.(x);
    });
  }

  /** The world's clock, for stalls. */
  setNow(ms: number): void {
    this.nowMs = ms;
    if (this.held.length > 0 && ms >= this.stalledUntil) {
      const h = this.held;
      this.held = [];
      for (const c of h) this.put(c);
    }
  }

  write(bytes: Uint8Array): number {
    this.moved += bytes.length;
    if (this.capture) this.tx.push(new Uint8Array(bytes));
    if (this.held.length > 0) {
      this.held.push(new Uint8Array(bytes));
      return bytes.length;
    }
    if (this.noise === null) {
      if (this.nowMs < this.stalledUntil) {
        this.held.push(bytes);
        return bytes.length;
      }
      return this.put(bytes) < 0 ? -1 : bytes.length;
    }
    let r = bytes.length;
    for (const c of this.disturb(bytes)) {
      if (this.nowMs < this.stalledUntil) this.held.push(c);
      else r = this.put(c) < 0 ? -1 : r;
    }
    return r;
  }

  /** Bytes on their way through the medium right now (0 once both directions are delivered). */
  inFlight(): number {
    const p = this.peer;
    if (!p || p.closed || this.closed) return 0;
    return Math.max(0, this.sent - p.received) + Math.max(0, p.written - this.got);
  }

  private put(c: Uint8Array): number {
    const r = this.inner.write(c);
    if (r > 0) this.sent += r;
    return r;
  }

  onData(cb: (chunk: Uint8Array) => void): void {
    this.dataCb = cb;
  }
  onClose(cb: (code: number) => void): void {
    this.inner.onClose(cb);
  }
  close(): void {
    this.closed = true;
    this.inner.close();
  }

  private disturb(c: Uint8Array): Uint8Array[] {
    const n = this.noise;
    if (!n) return [c];
    if (this.rng.next() < n.drop) {
      this.counts.drops++;
      return [];
    }
    let out = c;
    if (n.bitError > 0) {
      const flips = this.poisson(c.length * 8 * n.bitError);
      if (flips > 0) {
        out = new Uint8Array(c);
        for (let i = 0; i < flips; i++) {
          const bit = this.rng.int(out.length * 8);
          out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
        }
        this.counts.bitFlips += flips;
      }
    }
    if (n.stallMs > 0 && this.rng.next() < 0.002) {
      this.counts.stalls++;
      this.stalledUntil = this.nowMs + n.stallMs;
    }
    if (this.rng.next() < n.dup) {
      this.counts.dups++;
      return [out, out];
    }
    return [out];
  }

  private poisson(mean: number): number {
    if (mean <= 0) return 0;
    const l = Math.exp(-mean);
    let k = 0;
    let p = this.rng.next();
    while (p > l && k < 64) {
      k++;
      p *= this.rng.next();
    }
    return k;
  }
}
