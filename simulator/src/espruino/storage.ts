/**
 * Espruino's `require("Storage")` over a VirtualFlash (espruino.md §8). Files are laid out one after another
 * like the real jsflash: a 32-byte header (u32 LE size, 28-byte name), the data, padding to 4 bytes. Erasing a
 * file clears its name bits (NOR can only clear bits), leaving trash that `compact()` reclaims; writing more
 * than the free space compacts first. Chunked writes create the file at offset 0 with its full size, then fill
 * erased bytes; writing over written bytes fails, as on the chip.
 */
import type { VirtualFlash } from './flash';

export const HEADER = 32;
export const MAX_NAME = 28;
const EMPTY = 0xffffffff;

export interface StorageEntry {
  name: string;
  /** Address of the header. */
  addr: number;
  size: number;
}

export class StorageError extends Error {}

const pad4 = (n: number): number => Math.ceil(n / 4) * 4;

export class FlashStorage {
  constructor(readonly flash: VirtualFlash) {}

  private headerAt(addr: number): { size: number; name: string; deleted: boolean } | undefined {
    if (addr + HEADER > this.flash.size) return undefined;
    const h = this.flash.read(addr, HEADER);
    const size =
      ((h[0] as number) | ((h[1] as number) << 8) | ((h[2] as number) << 16) | ((h[3] as number) << 24)) >>>
      0;
    if (size === EMPTY) return undefined;
    let name = '';
    for (let i = 4; i < HEADER && h[i] !== 0 && h[i] !== 0xff; i++)
      name += String.fromCharCode(h[i] as number);
    return { size, name, deleted: name.length === 0 };
  }

  /** Every file, live or trashed, in flash order, and where free space starts. */
  scan(): { live: StorageEntry[]; trash: StorageEntry[]; end: number } {
    const live: StorageEntry[] = [];
    const trash: StorageEntry[] = [];
    let addr = 0;
    for (;;) {
      const h = this.headerAt(addr);
      if (!h) break;
      const next = addr + HEADER + pad4(h.size);
      // A header claiming more than the chip holds is corrupt: nothing after it is trusted or writable.
      if (next > this.flash.size) return { live, trash, end: this.flash.size };
      (h.deleted ? trash : live).push({ name: h.name, addr, size: h.size });
      addr = next;
    }
    return { live, trash, end: addr };
  }

  find(name: string): StorageEntry | undefined {
    return this.scan().live.find((e) => e.name === name);
  }

  list(): string[] {
    return this.scan().live.map((e) => e.name);
  }

  read(name: string, offset = 0, length?: number): Uint8Array | undefined {
    const e = this.find(name);
    if (!e) return undefined;
    const off = Math.max(0, Math.min(offset, e.size));
    const n = length === undefined ? e.size - off : Math.max(0, Math.min(length, e.size - off));
    return this.flash.read(e.addr + HEADER + off, n);
  }

  /** Espruino write(name, data, offset, size): offset 0 (re)creates the file with `size` bytes. */
  write(name: string, data: Uint8Array, offset = 0, size?: number): void {
    checkName(name);
    if (offset === 0) {
      const total = size ?? data.length;
      if (data.length > total)
        throw new StorageError(`data (${data.length} B) larger than file size ${total}`);
      const e = this.create(name, total);
      this.flash.write(e.addr + HEADER, data);
      return;
    }
    const e = this.find(name);
    if (!e) throw new StorageError(`file not found for write at offset ${offset}`);
    if (offset + data.length > e.size)
      throw new StorageError(`write past the end of the file (${offset}+${data.length} > ${e.size})`);
    const old = this.flash.read(e.addr + HEADER + offset, data.length);
    for (let i = 0; i < old.length; i++)
      if (old[i] !== 0xff && old[i] !== data[i])
        throw new StorageError(`bytes at offset ${offset + i} already written`);
    this.flash.write(e.addr + HEADER + offset, data);
  }

  erase(name: string): boolean {
    const e = this.find(name);
    if (!e) return false;
    this.flash.write(e.addr + 4, new Uint8Array(MAX_NAME));
    return true;
  }

  eraseAll(): void {
    for (let p = 0; p < this.flash.pages; p++) this.flash.erase(p);
  }

  getFree(): number {
    return this.flash.size - this.scan().end;
  }

  getStats(): {
    totalBytes: number;
    freeBytes: number;
    fileBytes: number;
    fileCount: number;
    trashBytes: number;
    trashCount: number;
  } {
    const s = this.scan();
    const bytes = (l: StorageEntry[]): number => l.reduce((n, e) => n + HEADER + pad4(e.size), 0);
    return {
      totalBytes: this.flash.size,
      freeBytes: this.flash.size - s.end,
      fileBytes: bytes(s.live),
      fileCount: s.live.length,
      trashBytes: bytes(s.trash),
      trashCount: s.trash.length,
    };
  }

  /** Rewrites the live files back to back and erases the rest (the trash is gone afterwards). */
  compact(): void {
    const files = this.scan().live.map((e) => ({
      name: e.name,
      size: e.size,
      data: this.flash.read(e.addr + HEADER, e.size),
    }));
    this.eraseAll();
    let addr = 0;
    for (const f of files) {
      this.flash.write(addr, headerBytes(f.name, f.size));
      this.flash.write(addr + HEADER, f.data);
      addr += HEADER + pad4(f.size);
    }
  }

  private create(name: string, size: number): StorageEntry {
    this.erase(name);
    const need = HEADER + pad4(size);
    let end = this.scan().end;
    if (end + need > this.flash.size) {
      this.compact();
      end = this.scan().end;
    }
    if (end + need > this.flash.size)
      throw new StorageError(
        `not enough free space in Storage (${need} B needed, ${this.flash.size - end} B free)`,
      );
    this.flash.write(end, headerBytes(name, size));
    return { name, addr: end, size };
  }
}

function checkName(name: string): void {
  if (name.length === 0 || name.length > MAX_NAME)
    throw new StorageError(`file name must be 1..${MAX_NAME} characters, got ${name.length}`);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0 || c > 0xfe) throw new StorageError(`file name has an unsupported character at ${i}`);
  }
}

function headerBytes(name: string, size: number): Uint8Array {
  const h = new Uint8Array(HEADER);
  h[0] = size & 0xff;
  h[1] = (size >>> 8) & 0xff;
  h[2] = (size >>> 16) & 0xff;
  h[3] = (size >>> 24) & 0xff;
  for (let i = 0; i < name.length; i++) h[4 + i] = name.charCodeAt(i);
  return h;
}
