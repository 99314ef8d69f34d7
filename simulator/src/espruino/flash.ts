/**
 * A NOR flash chip for the simulator: erased bytes read 0xFF, a write can only clear bits (1 → 0, the result is
 * old AND new), and only a page erase sets them back. Storage on a simulated board lives here, so a test can
 * inspect every byte that firmware ever persisted (the PII audit does) and keep it across a power cut.
 *
 * Duck-typed like the firmware `Flash` port (pageSize, pages, read, write, erase).
 */

export interface FlashWriteEvent {
  addr: number;
  length: number;
  /** Sequence number of this write since the chip was made (power-cut faults trigger on it). */
  seq: number;
}

export class VirtualFlash {
  readonly pageSize: number;
  readonly pages: number;
  private readonly mem: Uint8Array;
  private writeSeq = 0;
  private eraseCount: number[];
  /** Called before each write; throwing from it models a power cut during that write (nothing is written). */
  beforeWrite: ((e: FlashWriteEvent) => void) | undefined;

  constructor(size: number, pageSize = 4096) {
    if (size % pageSize !== 0) throw new RangeError(`flash size ${size} is not a multiple of the page size`);
    this.pageSize = pageSize;
    this.pages = size / pageSize;
    this.mem = new Uint8Array(size).fill(0xff);
    this.eraseCount = new Array<number>(this.pages).fill(0);
  }

  get size(): number {
    return this.mem.length;
  }

  /** Writes performed so far. */
  get writes(): number {
    return this.writeSeq;
  }

  /** Erase cycles per page (wear). */
  get wear(): readonly number[] {
    return this.eraseCount;
  }

  read(addr: number, n: number): Uint8Array {
    this.check(addr, n);
    return this.mem.slice(addr, addr + n);
  }

  write(addr: number, data: Uint8Array): void {
    this.check(addr, data.length);
    this.beforeWrite?.({ addr, length: data.length, seq: this.writeSeq });
    this.writeSeq++;
    for (let i = 0; i < data.length; i++)
      this.mem[addr + i] = (this.mem[addr + i] as number) & (data[i] as number);
  }

  erase(page: number): void {
    if (!(page >= 0 && page < this.pages)) throw new RangeError(`no flash page ${page}`);
    this.mem.fill(0xff, page * this.pageSize, (page + 1) * this.pageSize);
    this.eraseCount[page] = (this.eraseCount[page] as number) + 1;
  }

  /** A copy of every byte (for audits and snapshots). */
  dump(): Uint8Array {
    return this.mem.slice();
  }

  /** A new chip holding the same bytes (to boot a second device from a saved image). */
  clone(): VirtualFlash {
    const c = new VirtualFlash(this.mem.length, this.pageSize);
    c.mem.set(this.mem);
    return c;
  }

  private check(addr: number, n: number): void {
    if (!(addr >= 0 && n >= 0 && addr + n <= this.mem.length))
      throw new RangeError(`flash access ${addr}+${n} outside 0..${this.mem.length}`);
  }
}
