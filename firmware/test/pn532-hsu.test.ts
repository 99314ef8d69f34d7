/**
 * The HSU bus queue (drivers/pn532-bus.ts): Espruino hands UART bytes over as strings; the queue must give them
 * back as bytes in order whatever the chunking, keep bytes >= 0x80, and stay bounded when nobody reads.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hsuBus } from '../src/drivers/pn532-bus';

function uart() {
  let rx: ((s: string) => void) | null = null;
  const written: number[][] = [];
  return {
    port: {
      write: (d: Uint8Array) => {
        written.push([...d]);
      },
      on: (_ev: 'data', cb: (s: string) => void) => {
        rx = cb;
      },
    },
    feed: (b: number[]) => rx?.(String.fromCharCode(...b)),
    written,
  };
}

describe('HSU bus queue', () => {
  it('returns received bytes in order for any chunking and read sizes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
        (chunks, reads) => {
          const u = uart();
          const bus = hsuBus(u.port, 1000);
          for (const c of chunks) u.feed([...c]);
          const want = chunks.flatMap((c) => [...c]);
          const got: number[] = [];
          for (let i = 0; got.length < want.length; i++) {
            const r = bus.read(reads[i % reads.length] as number);
            expect(r).toBeInstanceOf(Uint8Array);
            got.push(...r);
          }
          expect(got).toEqual(want);
          expect(bus.read(10).length).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('drops chunks once cap bytes wait, and takes them again after a read', () => {
    const u = uart();
    const bus = hsuBus(u.port, 8);
    u.feed([1, 2, 3, 4, 5, 6]);
    u.feed([7, 8, 9]);
    // 6 waiting < 8: the chunk is taken whole; now 9 >= 8 waiting, so this one is dropped.
    u.feed([10]);
    expect([...bus.read(100)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    u.feed([0xd5, 0x4b]);
    expect([...bus.read(100)]).toEqual([0xd5, 0x4b]);
  });

  it('writes through to the UART', () => {
    const u = uart();
    hsuBus(u.port, 8).write(new Uint8Array([0, 0, 0xff]));
    expect(u.written).toEqual([[0, 0, 0xff]]);
  });
});
