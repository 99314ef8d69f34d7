/**
 * How each reader is wired to the host: an in-memory link pair, or a real pseudo-terminal pair (socat) with
 * `serialport` on both ends: the host's SerialLink from @badgewire/host on one side, the reader's UART
 * (PtyLink) on the other. Replugging (power cycle, host restart, a thief) gets a fresh cable.
 */
import { openSerialLink } from '@badgewire/host';
import type { Link } from '@badgewire/protocol';
import { createMemoryLinkPair, openPtyLink, openTempPtyPair } from '../links/index';
import type { ReaderSpec } from './scenario';

export interface Cable {
  readerEnd: Link;
  /** null when the host is down: the reader's end then has nobody listening. */
  hostEnd: CountedLink | null;
}

/** The host's end of a cable, counting bytes each way so the runner can tell when nothing is in flight. */
export class CountedLink implements Link {
  written = 0;
  received = 0;
  closed = false;
  constructor(private readonly inner: Link) {
    inner.onData((c) => {
      this.received += c.length;
    });
    inner.onClose(() => {
      this.closed = true;
    });
  }
  write(bytes: Uint8Array): number {
    const r = this.inner.write(bytes);
    if (r > 0) this.written += r;
    return r;
  }
  onData(cb: (chunk: Uint8Array) => void): void {
    this.inner.onData(cb);
  }
  onClose(cb: (code: number) => void): void {
    this.inner.onClose(cb);
  }
  close(): void {
    this.closed = true;
    this.inner.close();
  }
}

export class Cabling {
  private seed = 1;
  private readonly ptys = new Map<string, { dispose(): Promise<void>; ends: Link[] }>();

  constructor(private readonly linkChunk: number) {}

  get anyPty(): boolean {
    return this.ptys.size > 0;
  }

  async plug(spec: ReaderSpec, hostUp: boolean): Promise<Cable> {
    if (spec.link === 'memory') {
      const pair = createMemoryLinkPair({
        seed: this.seed++,
        maxChunk: this.linkChunk,
        highWaterMark: 1 << 24,
      });
      if (!hostUp) pair.b.close();
      return { readerEnd: pair.a, hostEnd: hostUp ? new CountedLink(pair.b) : null };
    }
    await this.unplug(spec.id);
    const pty = await openTempPtyPair();
    const hostEnd = hostUp ? await openSerialLink({ path: pty.a, highWaterMark: 1 << 20 }) : null;
    const readerEnd = await openPtyLink(pty.b, 1 << 20);
    const ends = hostEnd ? [hostEnd, readerEnd] : [readerEnd];
    this.ptys.set(spec.id, { dispose: pty.dispose, ends });
    return { readerEnd, hostEnd: hostEnd ? new CountedLink(hostEnd) : null };
  }

  async unplug(id: string): Promise<void> {
    const p = this.ptys.get(id);
    if (!p) return;
    this.ptys.delete(id);
    for (const e of p.ends) e.close();
    await p.dispose();
  }

  async dispose(): Promise<void> {
    for (const id of [...this.ptys.keys()]) await this.unplug(id);
  }
}
