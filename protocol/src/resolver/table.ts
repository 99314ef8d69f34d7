/**
 * The resolver's index: an open-addressing hash table (linear probing, backward-shift deletion, so no
 * tombstones) from an EphID to (badge index, slot), in ONE interleaved Uint32Array of 8 words per bucket
 * (EphID words 0-3, badge + 1 with 0 = empty, slot, flags, 1 spare): a lookup touches one 32-byte line instead of
 * six arrays, which is what the lookup rate is bound by at 100 000 badges (the table is 32 MiB, far larger
 * than the caches). No per-entry objects, so the garbage collector never walks it.
 *
 * The key is the 16-byte EphID as four little-endian words. Buckets are addressed by the first word (the
 * EphID is a PRF output, so its low bits are already uniform); a hit needs all four words to match, so two
 * entries sharing an 8-byte prefix are simply two probes apart.
 */
const W = 8;

/** Entry flags (word 6), owned by the resolver; they move with the entry. */
export const F_REVOKED = 1;
/** The entry is its badge's predicted slot p as of the last window sync. */
export const F_CENTER = 2;
/** A sighting of this entry was processed, so the badge's highest seen slot is at least this slot. */
export const F_SIGHTED = 4;

export class EphTable {
  private mask: number;
  private d: Uint32Array;
  size = 0;

  constructor(minEntries: number) {
    let n = 1024;
    while (n < minEntries * 2) n *= 2;
    this.mask = n - 1;
    this.d = new Uint32Array(n * W);
  }

  get buckets(): number {
    return this.mask + 1;
  }

  /** The bucket holding this EphID, or -1. */
  find(w0: number, w1: number, w2: number, w3: number): number {
    const d = this.d;
    const mask = this.mask;
    let i = w0 & mask;
    for (;;) {
      const o = i * W;
      if (d[o + 4] === 0) return -1;
      if (d[o] === w0 && d[o + 1] === w1 && d[o + 2] === w2 && d[o + 3] === w3) return i;
      i = (i + 1) & mask;
    }
  }

  badgeAt(i: number): number {
    return (this.d[i * W + 4] as number) - 1;
  }
  slotAt(i: number): number {
    return this.d[i * W + 5] as number;
  }
  flagsAt(i: number): number {
    return this.d[i * W + 6] as number;
  }
  setFlags(i: number, f: number): void {
    this.d[i * W + 6] = f;
  }

  /** The bucket of (badge, slot) whose EphID starts with w0, w1, or -1. */
  locate(w0: number, w1: number, badge: number, slot: number): number {
    const d = this.d;
    const mask = this.mask;
    const tag = badge + 1;
    let i = w0 & mask;
    for (;;) {
      const o = i * W;
      const b = d[o + 4] as number;
      if (b === 0) return -1;
      if (b === tag && d[o + 5] === slot && d[o] === w0 && d[o + 1] === w1) return i;
      i = (i + 1) & mask;
    }
  }

  insert(w0: number, w1: number, w2: number, w3: number, badge: number, slot: number, flags: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const d = this.d;
    const mask = this.mask;
    let i = w0 & mask;
    while (d[i * W + 4] !== 0) i = (i + 1) & mask;
    const o = i * W;
    d[o] = w0;
    d[o + 1] = w1;
    d[o + 2] = w2;
    d[o + 3] = w3;
    d[o + 4] = badge + 1;
    d[o + 5] = slot;
    d[o + 6] = flags;
    this.size++;
  }

  /** Removes the entry of (badge, slot) whose EphID starts with w0, w1. Returns false when absent. */
  remove(w0: number, w1: number, badge: number, slot: number): boolean {
    const d = this.d;
    const mask = this.mask;
    let i = this.locate(w0, w1, badge, slot);
    if (i < 0) return false;
    // Backward-shift: pull later entries of the cluster into the hole unless their home lies after it.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const oj = j * W;
      if (d[oj + 4] === 0) break;
      const home = (d[oj] as number) & mask;
      const between = i <= j ? i < home && home <= j : i < home || home <= j;
      if (between) continue;
      d.copyWithin(i * W, oj, oj + W);
      i = j;
    }
    d[i * W + 4] = 0;
    this.size--;
    return true;
  }

  private grow(): void {
    const old = this.d;
    const n = (this.mask + 1) * 2;
    this.mask = n - 1;
    this.d = new Uint32Array(n * W);
    this.size = 0;
    for (let o = 0; o < old.length; o += W) {
      const b = old[o + 4] as number;
      if (b !== 0)
        this.insert(
          old[o] as number,
          old[o + 1] as number,
          old[o + 2] as number,
          old[o + 3] as number,
          b - 1,
          old[o + 5] as number,
          old[o + 6] as number,
        );
    }
  }
}
