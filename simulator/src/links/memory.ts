/**
 * An in-process pair of Links for unit and simulator tests. Bytes cross asynchronously and are re-cut into
 * chunks of random size (split inside a write, merged across writes) from a seeded RNG, as a UART or BLE
 * link would, so framing code above is exercised against arbitrary chunking and failures replay by seed.
 */
import { CLOSE_LOCAL, CLOSE_LOST, CLOSE_REMOTE, LinkEvents } from '@badgewire/host';
import type { Link } from '@badgewire/protocol';

export interface MemoryLinkOptions {
  /** RNG seed for chunk sizes; the same seed gives the same cuts. */
  seed?: number;
  /** Largest chunk delivered in one onData call. */
  maxChunk?: number;
  /** Undelivered bytes beyond which write() answers 0 (busy). */
  highWaterMark?: number;
}

/** mulberry32: tiny, fast, good enough to pick chunk sizes reproducibly. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class MemoryEnd implements Link {
  peer: MemoryEnd | undefined;
  private out: Uint8Array[] = [];
  /** Index of the first undelivered write in `out` (no shift per write: a busy reader queues hundreds). */
  private at = 0;
  private queued = 0;
  private closed = false;
  /** close() was called: deliver what is queued, then tell the peer. */
  private ending = false;
  private scheduled = false;
  private readonly events = new LinkEvents();

  constructor(
    private readonly rand: () => number,
    private readonly maxChunk: number,
    private readonly highWaterMark: number,
  ) {}

  write(bytes: Uint8Array): number {
    if (this.closed || this.ending) return -1;
    if (bytes.length === 0) return 0;
    if (this.queued >= this.highWaterMark) return 0;
    // Copy: the caller may reuse its buffer once write() returns.
    this.out.push(new Uint8Array(bytes));
    this.queued += bytes.length;
    this.schedule();
    return bytes.length;
  }

  onData(cb: (chunk: Uint8Array) => void): void {
    this.events.onData(cb);
  }

  onClose(cb: (code: number) => void): void {
    this.events.onClose(cb);
  }

  close(): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    this.finish(CLOSE_LOCAL);
    this.schedule();
  }

  /** The medium fails under both ends at once: queued bytes are lost. */
  cut(): void {
    this.drop(CLOSE_LOST);
    this.peer?.drop(CLOSE_LOST);
  }

  private drop(code: number): void {
    this.out = [];
    this.at = 0;
    this.queued = 0;
    this.ending = false;
    this.finish(code);
  }

  private finish(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.events.close(code);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.pump());
  }

  /** Delivers a random number of randomly sized chunks per turn of the event loop. */
  private pump(): void {
    this.scheduled = false;
    const peer = this.peer;
    let turns = 1 + Math.floor(this.rand() * 4);
    while (this.queued > 0 && turns-- > 0) {
      const n = Math.min(this.queued, 1 + Math.floor(this.rand() * this.maxChunk));
      const chunk = this.take(n);
      if (peer) peer.receive(chunk);
    }
    if (this.queued > 0) this.schedule();
    else if (this.ending) {
      this.ending = false;
      peer?.remoteClosed();
    }
  }

  private take(n: number): Uint8Array {
    const first = this.out[this.at] as Uint8Array;
    let chunk: Uint8Array;
    if (first.length === n) {
      // A whole write, already our own copy: hand it over as it is.
      chunk = first;
      this.at++;
    } else {
      chunk = new Uint8Array(n);
      let o = 0;
      while (o < n) {
        const head = this.out[this.at] as Uint8Array;
        const k = Math.min(head.length, n - o);
        if (k === head.length) {
          chunk.set(head, o);
          this.at++;
        } else {
          chunk.set(head.subarray(0, k), o);
          this.out[this.at] = head.subarray(k);
        }
        o += k;
      }
    }
    if (this.at === this.out.length) {
      this.out = [];
      this.at = 0;
    } else if (this.at > 1024 && this.at * 2 > this.out.length) {
      // A writer that never lets the queue drain: drop the delivered prefix now and then.
      this.out = this.out.slice(this.at);
      this.at = 0;
    }
    this.queued -= n;
    return chunk;
  }

  private receive(chunk: Uint8Array): void {
    if (this.closed) return;
    this.events.data(chunk);
  }

  private remoteClosed(): void {
    this.drop(CLOSE_REMOTE);
  }
}

export interface MemoryLinkPair {
  a: Link;
  b: Link;
  /** Fails the medium: both ends close with CLOSE_LOST and undelivered bytes are lost. */
  cut(): void;
}

export function createMemoryLinkPair(opts: MemoryLinkOptions = {}): MemoryLinkPair {
  const rand = seededRandom(opts.seed ?? 1);
  const maxChunk = opts.maxChunk ?? 64;
  const hwm = opts.highWaterMark ?? 64 * 1024;
  const a = new MemoryEnd(rand, maxChunk, hwm);
  const b = new MemoryEnd(rand, maxChunk, hwm);
  a.peer = b;
  b.peer = a;
  return { a, b, cut: () => a.cut() };
}
