/**
 * The resolver's index: an open-addressing hash table (linear probing, backward-shift deletion, so no
 * tombstones) from an EphID to (badge index, slot), in six parallel typed arrays: 24 bytes per bucket and
 * no per-entry objects, so 400 000 entries sit in 24 MiB and the garbage collector never walks them.
 *
 * The key is the 16-byte EphID as four little-endian words. Buckets are addressed by the first word (the
 * EphID is a PRF output, so its low bits are already uniform); a hit needs all four words to match, so two
 * entries sharing an 8-byte prefix are simply two probes apart.
 */
export class EphTable {
  private mask: number;
  private k0: Uint32Array;
  private k1: Uint32Array;
  private k2: Uint32Array;
  private k3: Uint32Array;
  private bad: Int32Array;
  private slt: Int32Array;
  size = 0;

  constructor(minEntries: number) {
    let n = 1024;
    while (n < minEntries * 2) n *= 2;
    this.mask = n - 1;
    this.k0 = new Uint32Array(n);
    this.k1 = new Uint32Array(n);
    this.k2 = new Uint32Array(n);
    this.k3 = new Uint32Array(n);
    this.bad = new Int32Array(n).fill(-1);
    this.slt = new Int32Array(n);
  }

  get buckets(): number {
    return this.mask + 1;
  }

  /** The bucket holding this EphID, or -1. */
  find(w0: number, w1: number, w2: number, w3: number): number {
    const mask = this.mask;
    let i = w0 & mask;
    for (;;) {
      const b = this.bad[i] as number;
      if (b < 0) return -1;
      if (this.k0[i] === w0 && this.k1[i] === w1 && this.k2[i] === w2 && this.k3[i] === w3) return i;
      i = (i + 1) & mask;
    }
  }

  badgeAt(i: number): number {
    return this.bad[i] as number;
  }
  slotAt(i: number): number {
    return this.slt[i] as number;
  }

  insert(w0: number, w1: number, w2: number, w3: number, badge: number, slot: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const mask = this.mask;
    let i = w0 & mask;
    while ((this.bad[i] as number) >= 0) i = (i + 1) & mask;
    this.k0[i] = w0;
    this.k1[i] = w1;
    this.k2[i] = w2;
    this.k3[i] = w3;
    this.bad[i] = badge;
    this.slt[i] = slot;
    this.size++;
  }

  /** Removes the entry of (badge, slot) whose EphID starts with w0, w1. Returns false when absent. */
  remove(w0: number, w1: number, badge: number, slot: number): boolean {
    const mask = this.mask;
    let i = w0 & mask;
    for (;;) {
      const b = this.bad[i] as number;
      if (b < 0) return false;
      if (b === badge && this.slt[i] === slot && this.k0[i] === w0 && this.k1[i] === w1) break;
      i = (i + 1) & mask;
    }
    // Backward-shift: pull later entries of the cluster into the hole unless their home lies after it.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if ((this.bad[j] as number) < 0) break;
      const home = (this.k0[j] as number) & mask;
      const between = i <= j ? i < home && home <= j : i < home || home <= j;
      if (between) continue;
      this.k0[i] = this.k0[j] as number;
      this.k1[i] = this.k1[j] as number;
      this.k2[i] = this.k2[j] as number;
      this.k3[i] = this.k3[j] as number;
      this.bad[i] = this.bad[j] as number;
      this.slt[i] = this.slt[j] as number;
      i = j;
    }
    this.bad[i] = -1;
    this.size--;
    return true;
  }

  private grow(): void {
    const o = { k0: this.k0, k1: this.k1, k2: this.k2, k3: this.k3, bad: this.bad, slt: this.slt };
    const n = (this.mask + 1) * 2;
    this.mask = n - 1;
    this.k0 = new Uint32Array(n);
    this.k1 = new Uint32Array(n);
    this.k2 = new Uint32Array(n);
    this.k3 = new Uint32Array(n);
    this.bad = new Int32Array(n).fill(-1);
    this.slt = new Int32Array(n);
    this.size = 0;
    for (let i = 0; i < o.bad.length; i++) {
      const b = o.bad[i] as number;
      if (b >= 0)
        this.insert(
          o.k0[i] as number,
          o.k1[i] as number,
          o.k2[i] as number,
          o.k3[i] as number,
          b,
          o.slt[i] as number,
        );
    }
  }
}
