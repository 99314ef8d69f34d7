/**
 * Decoders of the Espruino runtime on hostile input (FUZZ_RUNS random + mutated inputs each): advertising
 * data from the air, a Storage area read from arbitrary flash bytes, and the console's statement scanner.
 * None may throw, hang or read outside its input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incomplete } from '../src/espruino/console';
import { VirtualFlash } from '../src/espruino/flash';
import { buildAd, parseAd } from '../src/espruino/nrf';
import { FlashStorage, HEADER } from '../src/espruino/storage';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100000);

/** Flip / overwrite / insert / delete at positions modulo the length. */
function mutated(seed: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const m = fc.record({
    op: fc.integer({ min: 0, max: 3 }),
    at: fc.nat(),
    v: fc.integer({ min: 0, max: 255 }),
  });
  return fc.tuple(seed, fc.array(m, { maxLength: 4 })).map(([b, ms]) => {
    const cur = Array.from(b);
    for (const x of ms) {
      const at = cur.length === 0 ? 0 : x.at % cur.length;
      if (x.op === 0 && cur.length) cur[at] = (cur[at] as number) ^ (1 << (x.v & 7));
      else if (x.op === 1 && cur.length) cur[at] = x.v;
      else if (x.op === 2) cur.splice(at, 0, x.v);
      else if (cur.length) cur.splice(at, 1);
    }
    return new Uint8Array(cur);
  });
}

const validAd = fc
  .record({
    uuid: fc.integer({ min: 0, max: 0xffff }),
    data: fc.uint8Array({ maxLength: 20 }),
    man: fc.integer({ min: 0, max: 0xffff }),
    name: fc.string({ maxLength: 8 }),
  })
  .map((r) =>
    buildAd({ [r.uuid]: Array.from(r.data) }, { manufacturer: r.man, manufacturerData: [1, 2] }, r.name),
  );

describe('runtime decoders under fuzzing', () => {
  it('parseAd never throws and every record lies inside the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), mutated(validAd)), (ad) => {
        let used = 0;
        for (const [type, data] of parseAd(ad)) {
          if (!(type >= 0 && type <= 255)) return false;
          used += 2 + data.length;
        }
        return used <= ad.length;
      }),
      { numRuns: RUNS },
    );
  });

  it('parseAd reads back what buildAd wrote', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 20 }), (man, data) => {
        const ad = buildAd(
          {},
          { manufacturer: man, manufacturerData: Array.from(data), showName: false },
          '',
        );
        const rec = parseAd(ad).find(([t]) => t === 0xff);
        expect(rec && [...rec[1]]).toEqual([man & 0xff, man >> 8, ...data]);
      }),
      { numRuns: Math.min(RUNS, 10000) },
    );
  });

  it('Storage over arbitrary flash bytes lists, reads and counts without throwing or leaving the chip', () => {
    const flash = new VirtualFlash(1024, 256);
    const storage = new FlashStorage(flash);
    const image = (bytes: Uint8Array): void => {
      for (let p = 0; p < flash.pages; p++) flash.erase(p);
      flash.write(0, bytes.subarray(0, flash.size));
    };
    const header = fc
      .tuple(fc.integer({ min: 0, max: 300 }), fc.string({ minLength: 1, maxLength: 28 }))
      .map(([size, name]) => {
        const h = new Uint8Array(HEADER + size);
        h[0] = size & 0xff;
        h[1] = size >> 8;
        for (let i = 0; i < name.length; i++) h[4 + i] = name.charCodeAt(i) & 0xfe;
        return h;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 1024 }), mutated(header)), (bytes) => {
        image(bytes);
        const s = storage.scan();
        for (const e of [...s.live, ...s.trash]) if (e.addr + HEADER + e.size > flash.size) return false;
        for (const name of storage.list()) storage.read(name);
        return storage.getStats().freeBytes >= 0;
      }),
      { numRuns: RUNS },
    );
  });

  it('the console statement scanner never throws on any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => typeof incomplete(s) === 'boolean'),
      { numRuns: RUNS },
    );
  });
});
