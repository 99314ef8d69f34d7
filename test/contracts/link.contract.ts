/**
 * The `Link` contract (protocol/src/ports.ts), one suite for every transport: memory pair, pty + serialport,
 * BLE through noble and the virtual HCI controller. `write` returns all-or-nothing (len), 0 when busy, < 0 when
 * dead; chunks arrive in any size; each end's onClose fires exactly once; nothing is delivered after close.
 */
import type { Link } from '@badgewire/protocol';
import { afterEach, describe, expect, it } from 'vitest';

export interface LinkFixture {
  a: Link;
  b: Link;
  /** Fails the medium under both ends (unplug, radio loss). */
  cut(): void | Promise<void>;
  /** Releases everything the fixture started (processes, ports, adapters). */
  dispose(): Promise<void>;
}

export interface LinkContractOptions {
  /** Whether `a.close()` reaches `b` as an onClose. False for a pty: closing one side tells socat nothing. */
  closeReachesPeer: boolean;
  /** Size of the single large write; BLE moves 20 bytes per ATT packet, so it uses a smaller one. */
  largeBytes?: number;
  /** Per-wait timeout; generous because the suite runs on a loaded 2-core machine. */
  timeoutMs?: number;
}

export type MakeLinkPair = (opts: { highWaterMark?: number }) => Promise<LinkFixture>;

/** Deterministic test bytes (xorshift), so a failure shows the same data every run. */
export function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export interface Collector {
  bytes(): Uint8Array;
  chunks: number;
  waitFor(n: number, timeoutMs: number, what?: string): Promise<Uint8Array>;
}

export function collect(link: Link): Collector {
  let buf = new Uint8Array(1024);
  let len = 0;
  let waiter: (() => void) | undefined;
  const c: Collector = {
    chunks: 0,
    bytes: () => buf.slice(0, len),
    waitFor(n, timeoutMs, what = 'bytes') {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (len >= n) {
            clearTimeout(t);
            waiter = undefined;
            resolve(c.bytes());
          }
        };
        const t = setTimeout(() => {
          waiter = undefined;
          reject(new Error(`timed out waiting for ${n} ${what}, got ${len}`));
        }, timeoutMs);
        waiter = check;
        check();
      });
    },
  };
  link.onData((chunk) => {
    c.chunks++;
    if (len + chunk.length > buf.length) {
      const next = new Uint8Array(Math.max(buf.length * 2, len + chunk.length));
      next.set(buf.subarray(0, len));
      buf = next;
    }
    buf.set(chunk, len);
    len += chunk.length;
    waiter?.();
  });
  return c;
}

/** Writes all of `bytes`, retrying the same bytes while the link answers busy. Rejects on a partial write. */
export async function writeAll(link: Link, bytes: Uint8Array, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = link.write(bytes);
    if (r === bytes.length) return;
    if (r < 0) throw new Error('link is dead (write returned ' + r + ')');
    if (r !== 0) throw new Error(`partial write: ${r} of ${bytes.length}`);
    if (Date.now() > end) throw new Error('link stayed busy for ' + timeoutMs + ' ms');
    // No drain event in the contract: busy means "retry later", so poll.
    await new Promise((r) => setTimeout(r, 2));
  }
}

export function closed(link: Link, timeoutMs: number, who: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(
      () => reject(new Error(who + ': onClose did not fire in ' + timeoutMs + ' ms')),
      timeoutMs,
    );
    link.onClose((code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

const quiet = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function describeLinkContract(
  name: string,
  makePair: MakeLinkPair,
  options: LinkContractOptions,
): void {
  const T = options.timeoutMs ?? 15_000;
  const large = options.largeBytes ?? 64 * 1024;

  describe(`Link contract: ${name}`, () => {
    let fx: LinkFixture | undefined;
    const open = async (o: { highWaterMark?: number } = {}) => {
      fx = await makePair(o);
      return fx;
    };
    afterEach(async () => {
      await fx?.dispose();
      fx = undefined;
    });

    it('delivers many small writes in order and intact, both directions at once', async () => {
      const { a, b } = await open();
      const toB = collect(b);
      const toA = collect(a);
      const sent = { ab: [] as Uint8Array[], ba: [] as Uint8Array[] };
      const run = async (from: Link, log: Uint8Array[], seed: number) => {
        for (let i = 0; i < 300; i++) {
          const w = pattern(1 + ((i * 7 + seed) % 40), seed * 1000 + i);
          log.push(w);
          await writeAll(from, w);
        }
      };
      await Promise.all([run(a, sent.ab, 3), run(b, sent.ba, 5)]);
      const expectAB = Buffer.concat(sent.ab);
      const expectBA = Buffer.concat(sent.ba);
      expect(Buffer.from(await toB.waitFor(expectAB.length, T, 'a->b'))).toEqual(expectAB);
      expect(Buffer.from(await toA.waitFor(expectBA.length, T, 'b->a'))).toEqual(expectBA);
    });

    it('delivers one large write intact in each direction', async () => {
      const { a, b } = await open();
      const toB = collect(b);
      const toA = collect(a);
      const big1 = pattern(large, 11);
      const big2 = pattern(large, 13);
      await writeAll(a, big1);
      await writeAll(b, big2);
      expect(Buffer.from(await toB.waitFor(large, T, 'a->b'))).toEqual(Buffer.from(big1));
      expect(Buffer.from(await toA.waitFor(large, T, 'b->a'))).toEqual(Buffer.from(big2));
    });

    it('answers busy (0) under backpressure, never partially, and loses no accepted byte', async () => {
      const { a, b } = await open({ highWaterMark: 2048 });
      const toB = collect(b);
      const block = 256;
      const accepted: Uint8Array[] = [];
      let busy = false;
      for (let i = 0; i < 200 && !busy; i++) {
        const w = pattern(block, 100 + i);
        const r = a.write(w);
        expect([0, block]).toContain(r);
        if (r === 0) busy = true;
        else accepted.push(w);
      }
      expect(busy).toBe(true);
      // Once the link drains, writes are accepted again and everything arrives once, in order.
      for (let i = 0; i < 8; i++) {
        const w = pattern(block, 900 + i);
        await writeAll(a, w);
        accepted.push(w);
      }
      const all = Buffer.concat(accepted);
      expect(Buffer.from(await toB.waitFor(all.length, T))).toEqual(all);
    });

    it('close(): onClose once, write < 0 afterwards, queued bytes still reach the peer', async () => {
      const { a, b } = await open();
      const toB = collect(b);
      const toA = collect(a);
      let aCloses = 0;
      a.onClose(() => aCloses++);
      const msg = pattern(100, 7);
      await writeAll(a, msg);
      const aClosed = closed(a, T, 'a');
      a.close();
      expect(typeof (await aClosed)).toBe('number');
      expect(a.write(pattern(10, 1))).toBeLessThan(0);
      expect(Buffer.from(await toB.waitFor(msg.length, T))).toEqual(Buffer.from(msg));
      if (options.closeReachesPeer) {
        await closed(b, T, 'b');
        expect(b.write(pattern(10, 2))).toBeLessThan(0);
      } else {
        b.write(pattern(10, 2));
      }
      a.close(); // idempotent
      await quiet(150);
      expect(aCloses).toBe(1);
      expect(toA.bytes().length).toBe(0);
    });

    it('close() from the other end behaves the same', async () => {
      const { a, b } = await open();
      const toA = collect(a);
      const msg = pattern(64, 9);
      await writeAll(b, msg);
      const bClosed = closed(b, T, 'b');
      b.close();
      await bClosed;
      expect(b.write(msg)).toBeLessThan(0);
      expect(Buffer.from(await toA.waitFor(msg.length, T))).toEqual(Buffer.from(msg));
      if (options.closeReachesPeer) {
        await closed(a, T, 'a');
        expect(a.write(msg)).toBeLessThan(0);
      }
    });

    it('a failed medium closes both ends; they stay dead and silent', async () => {
      const fx = await open();
      const toA = collect(fx.a);
      const toB = collect(fx.b);
      const aClosed = closed(fx.a, T, 'a');
      const bClosed = closed(fx.b, T, 'b');
      await fx.cut();
      const [ca, cb] = await Promise.all([aClosed, bClosed]);
      expect(ca).toBeGreaterThan(0);
      expect(cb).toBeGreaterThan(0);
      expect(fx.a.write(pattern(8, 1))).toBeLessThan(0);
      expect(fx.b.write(pattern(8, 2))).toBeLessThan(0);
      const before = toA.bytes().length + toB.bytes().length;
      await quiet(100);
      expect(toA.bytes().length + toB.bytes().length).toBe(before);
    });
  });
}
