/**
 * A set of (reader id, seq) pairs as one growable bitmap per reader. The venue host records every journalled
 * reader event here (millions in an event-hour): a string per event in a Set cost ~100 bytes and a hash each,
 * and kept the heap, and so every major GC, large.
 */
export class ReaderSeqs {
  private readonly bits = new Map<string, Uint8Array>();
  size = 0;

  has(readerId: string, seq: number): boolean {
    const b = this.bits.get(readerId);
    if (b === undefined || seq < 0 || seq >= b.length * 8) return false;
    return ((b[seq >>> 3] as number) & (1 << (seq & 7))) !== 0;
  }

  add(readerId: string, seq: number): void {
    if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`seq out of range: ${seq}`);
    let b = this.bits.get(readerId);
    if (b === undefined || seq >= b.length * 8) {
      // Doubling keeps the copies amortised; a reader's seqs are dense from 1, so little is wasted.
      let n = b === undefined ? 256 : b.length * 2;
      while (seq >= n * 8) n *= 2;
      const next = new Uint8Array(n);
      if (b !== undefined) next.set(b);
      b = next;
      this.bits.set(readerId, b);
    }
    const i = seq >>> 3;
    const m = 1 << (seq & 7);
    if (((b[i] as number) & m) === 0) {
      b[i] = (b[i] as number) | m;
      this.size++;
    }
  }
}
