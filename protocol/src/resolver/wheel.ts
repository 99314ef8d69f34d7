/**
 * The resolver's slide schedule: 256 buckets of badges, one per host second modulo the slot length, as
 * intrusive doubly linked lists in typed arrays (O(1) add, remove and move; no per-badge objects). A badge
 * with clock offset `off` changes slot at host seconds t with (t + off) mod 256 = 0, so it lives in bucket
 * (-off mod 256), and each second the resolver visits one bucket.
 */
import { SLOT_SECONDS } from '../badge/ephid';

export function phaseOf(off: number): number {
  return (((-off % SLOT_SECONDS) + SLOT_SECONDS) % SLOT_SECONDS) | 0;
}

export class PhaseWheel {
  private readonly head = new Int32Array(SLOT_SECONDS).fill(-1);
  private next: Int32Array;
  private prev: Int32Array;

  constructor(capacity: number) {
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
  }

  /** First badge of the bucket for host second t, or -1; continue with `after`. */
  first(t: number): number {
    return this.head[t & (SLOT_SECONDS - 1)] as number;
  }
  after(b: number): number {
    return this.next[b] as number;
  }

  add(b: number, off: number): void {
    const ph = phaseOf(off);
    const h = this.head[ph] as number;
    this.prev[b] = -1;
    this.next[b] = h;
    if (h >= 0) this.prev[h] = b;
    this.head[ph] = b;
  }

  /** Removes b, which was added with offset `off`. */
  remove(b: number, off: number): void {
    const p = this.prev[b] as number;
    const nx = this.next[b] as number;
    if (p >= 0) this.next[p] = nx;
    else this.head[phaseOf(off)] = nx;
    if (nx >= 0) this.prev[nx] = p;
  }

  grow(capacity: number): void {
    const n = new Int32Array(capacity);
    n.set(this.next);
    this.next = n;
    const p = new Int32Array(capacity);
    p.set(this.prev);
    this.prev = p;
  }
}
