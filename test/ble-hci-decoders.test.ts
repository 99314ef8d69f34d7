/**
 * Property tests for the virtual controller's decoders: the H4 stream parser and the NUS ATT server never throw
 * on arbitrary bytes, re-assemble packets from any chunking, and answer every ATT request within the MTU.
 */
import { type H4Packet, H4Parser, NusAttServer } from '@badgewire/simulator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100000);

function encode(p: H4Packet): Uint8Array {
  if (p.kind === 'command')
    return Uint8Array.from([1, p.opcode & 0xff, p.opcode >> 8, p.params.length, ...p.params]);
  const hf = p.handle | (p.flags << 12);
  return Uint8Array.from([2, hf & 0xff, hf >> 8, p.data.length & 0xff, p.data.length >> 8, ...p.data]);
}

const packet: fc.Arbitrary<H4Packet> = fc.oneof(
  fc.record({
    kind: fc.constant('command' as const),
    opcode: fc.integer({ min: 0, max: 0xffff }),
    params: fc.uint8Array({ maxLength: 255 }),
  }),
  fc.record({
    kind: fc.constant('acl' as const),
    handle: fc.integer({ min: 0, max: 0x0fff }),
    flags: fc.integer({ min: 0, max: 15 }),
    data: fc.uint8Array({ maxLength: 300 }),
  }),
);

describe('H4Parser', () => {
  it('never throws on arbitrary bytes in arbitrary chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }), (chunks) => {
        const p = new H4Parser();
        let n = 0;
        for (const c of chunks) p.push(c, () => n++);
        return n >= 0;
      }),
      { numRuns: RUNS },
    );
  });

  it('returns exactly the packets sent, however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(packet, { maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }),
        (pkts, cuts) => {
          const stream = Uint8Array.from(pkts.flatMap((p) => Array.from(encode(p))));
          const out: H4Packet[] = [];
          const parser = new H4Parser();
          for (let o = 0, i = 0; o < stream.length; i++) {
            const n = cuts[i % cuts.length] as number;
            parser.push(stream.subarray(o, o + n), (p) => out.push(p));
            o += n;
          }
          expect(out.map(encode).map((b) => Buffer.from(b).toString('hex'))).toEqual(
            pkts.map(encode).map((b) => Buffer.from(b).toString('hex')),
          );
          expect(parser.skipped).toBe(0);
        },
      ),
      { numRuns: Math.max(1000, RUNS / 20) },
    );
  });
});

describe('NusAttServer', () => {
  it('never throws; answers every request, within the MTU', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 30 }),
        fc.integer({ min: 23, max: 247 }),
        (pdu, mtu) => {
          const att = new NusAttServer(mtu, () => {});
          att.handle(Uint8Array.from([0x02, mtu & 0xff, mtu >> 8]));
          const r = att.handle(pdu);
          const op = pdu[0] as number;
          const isRequest = (op & 0x40) === 0 && op % 2 === 0;
          if (isRequest) expect(r).not.toBeNull();
          if (r) expect(r.length).toBeLessThanOrEqual(att.mtu);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('passes Write Request and Write Command bytes on, and cuts notifications to MTU - 3', () => {
    const got: number[][] = [];
    const att = new NusAttServer(23, (b) => got.push(Array.from(b)));
    expect(Array.from(att.handle(Uint8Array.from([0x12, 3, 0, 1, 2, 3])) ?? [])).toEqual([0x13]);
    expect(att.handle(Uint8Array.from([0x52, 3, 0, 4, 5]))).toBeNull();
    expect(got).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(att.handle(Uint8Array.from([0x12, 6, 0, 1, 0]))?.[0]).toBe(0x13);
    expect(att.notifying).toBe(true);
    const pdus = att.notifications(new Uint8Array(45));
    expect(pdus.map((p) => p.length)).toEqual([23, 23, 8]);
  });
});
