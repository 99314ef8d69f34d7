import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ascii, fromHex, toHex } from '../src/bytes';
import {
  E_FRAME_COBS,
  E_FRAME_CRC,
  E_FRAME_INCOMPLETE,
  E_FRAME_SHORT,
  E_FRAME_TOO_LONG,
  type Fail,
} from '../src/errors';
import { BLE_DEFAULT_WRITE, chunkForBle } from '../src/frame/ble';
import { cobsDecode, cobsEncode, cobsEncodedLength, cobsMaxLength } from '../src/frame/cobs';
import { crc16 } from '../src/frame/crc';
import { Deframer, MAX_FRAME_PAYLOAD } from '../src/frame/deframer';
import { decodeFrame, encodeFrame } from '../src/frame/frame';
import { sharedVector } from './vectors';

function collect(max?: number) {
  const frames: string[] = [];
  const faults: Fail[] = [];
  const d = new Deframer(
    (p) => frames.push(toHex(p)),
    (f) => faults.push(f),
    max,
  );
  return { d, frames, faults };
}

describe('CRC-16/AUG-CCITT', () => {
  it('has the catalogue check value 0xE5CC for "123456789"', () => {
    expect(crc16(ascii('123456789'))).toBe(0xe5cc);
  });
  const v = sharedVector('osdp-annex-e.json');
  for (const t of v.crc_examples) {
    it(`matches OSDP ${t.id}`, () => {
      const c = crc16(fromHex(t.message));
      expect(toHex(new Uint8Array([c & 255, c >> 8]))).toBe(t.crc_le);
    });
  }
  for (const p of v.packets.filter((x: { fields: { crc_le?: string } }) => x.fields.crc_le)) {
    it(`matches the libosdp fixture "${p.id}"`, () => {
      const framed = fromHex(p.framed);
      // The OSDP CRC covers SOM (53) up to the byte before the CRC; the optional mark FF is outside it.
      const c = crc16(framed.subarray(1, framed.length - 2));
      expect(toHex(new Uint8Array([c & 255, c >> 8]))).toBe(p.fields.crc_le);
    });
  }
});

describe('COBS (Wikipedia examples)', () => {
  const v = sharedVector('cobs-wikipedia.json');
  for (const t of v.vectors) {
    it(`${t.id} encodes and decodes`, () => {
      const dec = fromHex(t.decoded);
      expect(toHex(cobsEncode(dec))).toBe(t.encoded);
      expect(cobsEncodedLength(dec)).toBe(t.encoded_length);
      const r = cobsDecode(fromHex(t.encoded));
      expect(r.ok && toHex(r.value)).toBe(t.decoded);
    });
  }
  it('rejects a zero inside, an overrunning block and the empty encoding', () => {
    expect(cobsDecode(fromHex('031100'))).toEqual({ ok: false, code: E_FRAME_COBS, at: 2 });
    expect(cobsDecode(fromHex('0511'))).toEqual({ ok: false, code: E_FRAME_COBS, at: 2 });
    expect(cobsDecode(new Uint8Array(0))).toMatchObject({ ok: false, code: E_FRAME_COBS });
  });
  it('never exceeds cobsMaxLength and always round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (d) => {
        const e = cobsEncode(d);
        expect(e.length).toBeLessThanOrEqual(cobsMaxLength(d.length));
        expect(e.includes(0)).toBe(false);
        const r = cobsDecode(e);
        expect(r.ok && toHex(r.value)).toBe(toHex(d));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('frame: COBS(payload ‖ CRC16-LE) ‖ 00', () => {
  it('lays out a known frame byte for byte', () => {
    // payload 01 00 02; CRC computed independently from the catalogue algorithm below.
    const payload = fromHex('010002');
    let c = 0x1d0f;
    for (const b of payload) {
      c ^= b << 8;
      for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    }
    const body = new Uint8Array([1, 0, 2, c & 255, c >> 8]);
    const expected = toHex(cobsEncode(body)) + '00';
    expect(toHex(encodeFrame(payload))).toBe(expected);
    expect(expected.startsWith('0201')).toBe(true);
  });
  it('refuses to frame an empty or oversized payload (sender bug)', () => {
    expect(() => encodeFrame(new Uint8Array(0))).toThrow(TypeError);
    expect(() => encodeFrame(new Uint8Array(MAX_FRAME_PAYLOAD + 1))).toThrow(TypeError);
    expect(decodeFrame(encodeFrame(new Uint8Array(MAX_FRAME_PAYLOAD).fill(0xab))).ok).toBe(true);
  });
  it('decodeFrame types every fault', () => {
    const good = encodeFrame(fromHex('a1b2c3'));
    expect(decodeFrame(good.subarray(0, good.length - 1))).toMatchObject({ code: E_FRAME_INCOMPLETE });
    const flipped = new Uint8Array(good);
    flipped[2] = (flipped[2] as number) ^ 0x10;
    expect(decodeFrame(flipped)).toMatchObject({ code: E_FRAME_CRC });
    expect(decodeFrame(fromHex('00'))).toMatchObject({ code: E_FRAME_SHORT });
    expect(decodeFrame(fromHex('030102'.concat('00')))).toMatchObject({ code: E_FRAME_SHORT });
    expect(decodeFrame(fromHex('05010200'))).toMatchObject({ code: E_FRAME_COBS });
    expect(decodeFrame(new Uint8Array([...good, 0x01]))).toMatchObject({ code: E_FRAME_COBS });
  });
});

describe('Deframer', () => {
  it('delivers frames split at every possible point and ignores idle delimiters', () => {
    const a = encodeFrame(fromHex('00112233'));
    const b = encodeFrame(fromHex('ff00ff00'));
    const stream = new Uint8Array([0, 0, ...a, 0, ...b]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const { d, frames, faults } = collect();
      d.push(stream.subarray(0, cut));
      d.push(stream.subarray(cut));
      expect(frames).toEqual(['00112233', 'ff00ff00']);
      expect(faults).toEqual([]);
    }
  });
  it('reports each fault class and resynchronises on the next delimiter', () => {
    const good = encodeFrame(fromHex('c0ffee'));
    const badCrc = new Uint8Array(good);
    badCrc[1] = (badCrc[1] as number) ^ 1;
    const long = new Uint8Array(700).fill(7);
    const stream = new Uint8Array([
      ...fromHex('0511'),
      0, // COBS: the block promised 4 data bytes
      ...badCrc,
      ...fromHex('0201'),
      0, // short: 1 decoded byte
      ...long,
      ...long,
      0, // too long, reported once
      ...good,
    ]);
    const { d, frames, faults } = collect();
    d.push(stream);
    expect(faults.map((f) => f.code)).toEqual([E_FRAME_COBS, E_FRAME_CRC, E_FRAME_SHORT, E_FRAME_TOO_LONG]);
    expect(frames).toEqual(['c0ffee']);
    expect(d.faults).toBe(4);
    expect(d.frames).toBe(1);
  });
  it('holds at most maxPayload + 2 bytes however long a frame runs', () => {
    const { d, faults } = collect(16);
    for (let i = 0; i < 100; i++) {
      d.push(new Uint8Array(64).fill(9));
      expect(d.pending()).toBeLessThanOrEqual(18);
    }
    expect(faults.map((f) => f.code)).toEqual([E_FRAME_TOO_LONG]);
  });
  it('accepts exactly the maximum payload and rejects one byte more', () => {
    const { d, frames, faults } = collect(16);
    d.push(encodeFrame(new Uint8Array(16).fill(1)));
    const big = encodeFrame(new Uint8Array(17).fill(1));
    d.push(big);
    expect(frames.length).toBe(1);
    expect(faults.map((f) => f.code)).toEqual([E_FRAME_TOO_LONG]);
  });
  it('stays consistent when a callback throws', () => {
    const frames: string[] = [];
    let throws = true;
    const d = new Deframer(
      (p) => frames.push(toHex(p)),
      () => {
        if (throws) throw new Error('consumer bug');
      },
    );
    const bad = encodeFrame(fromHex('0102'));
    bad[1] = (bad[1] as number) ^ 4;
    expect(() => d.push(bad)).toThrow('consumer bug');
    throws = false;
    expect(d.pending()).toBe(0);
    d.push(encodeFrame(fromHex('0304')));
    expect(frames).toEqual(['0304']);
  });
  it('grows its buffer with a frame, never past the maximum, and gives it back after the frame', () => {
    const { d, frames, faults } = collect();
    const held = () => (d as unknown as { buf: Uint8Array }).buf.length;
    const sizes = [512, 1, 61, 62, 63, 64, 65, 126, 127, 128, 254, 255, 256, 510, 511, 512, 3];
    const want = sizes.map((n, k) => toHex(new Uint8Array(n).map((_, i) => (i * 7 + k) & 255)));
    for (const h of want) {
      const f = encodeFrame(fromHex(h));
      // Byte by byte for odd sizes, whole for even: growth must not depend on how the stream is cut.
      if (h.length % 4 === 2) for (let i = 0; i < f.length; i++) d.push(f.subarray(i, i + 1));
      else d.push(f);
      expect(held()).toBeLessThanOrEqual(64);
    }
    expect(frames).toEqual(want);
    expect(faults).toEqual([]);
    d.push(encodeFrame(new Uint8Array(512)).subarray(0, 400));
    expect(held()).toBeGreaterThan(64);
    expect(held()).toBeLessThanOrEqual(MAX_FRAME_PAYLOAD + 2);
    d.reset();
    expect(held()).toBe(64);
  });
  it('reset() drops a partial frame', () => {
    const { d, frames, faults } = collect();
    const f = encodeFrame(fromHex('abcd'));
    d.push(f.subarray(0, 3));
    expect(d.pending()).toBeGreaterThan(0);
    d.reset();
    expect(d.pending()).toBe(0);
    d.push(f);
    expect(frames).toEqual(['abcd']);
    expect(faults).toEqual([]);
  });
});

describe('BLE: the same framed bytes in writes of ATT_MTU - 3', () => {
  it('reassembles any frame sequence cut into 20-byte writes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: MAX_FRAME_PAYLOAD }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 244 }),
        (payloads, mtuRoom) => {
          const stream = new Uint8Array(payloads.reduce((n, p) => n + encodeFrame(p).length, 0));
          let o = 0;
          for (const p of payloads) {
            const f = encodeFrame(p);
            stream.set(f, o);
            o += f.length;
          }
          const { d, frames, faults } = collect();
          for (const w of chunkForBle(stream, mtuRoom)) {
            expect(w.length).toBeLessThanOrEqual(mtuRoom);
            d.push(w);
          }
          expect(frames).toEqual(payloads.map(toHex));
          expect(faults).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('turns a lost write into one framing fault and recovers with the next frame', () => {
    const a = encodeFrame(new Uint8Array(60).fill(0x41));
    const b = encodeFrame(fromHex('0102'));
    const writes = chunkForBle(new Uint8Array([...a, ...b]), BLE_DEFAULT_WRITE);
    const { d, frames, faults } = collect();
    writes.forEach((w, i) => {
      if (i !== 1) d.push(w);
    });
    expect(faults.length).toBe(1);
    expect([E_FRAME_CRC, E_FRAME_COBS]).toContain(faults[0]?.code);
    expect(frames).toEqual(['0102']);
  });
  it('rejects a write size below 1', () => {
    expect(() => chunkForBle(new Uint8Array(3), 0)).toThrow(TypeError);
  });
});
