/**
 * Property tests for what the flashing tools decode or validate: the device-field allow-list (any object either
 * becomes a record holding only allowed, in-range fields or is refused with E_PROVISION_FIELD), the console
 * answer scanner (finds its answer behind any noise, never a forged one), the secret masker and the frame
 * describer (never throw).
 */

import type { Link } from '@badgewire/protocol';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  BADGE_FIELDS,
  badgeRecords,
  ConsoleSession,
  describeFrame,
  FlashError,
  maskSecrets,
  READER_FIELDS,
  readerRecord,
} from '../firmware/build/flash/index';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100000);
/** The allow-list validates operator input (not bytes off a wire): a property check, not a decoder fuzz. */
const CHECK_RUNS = Math.min(RUNS, 10_000);

const ID = '0a0b0c0d0e0f1011';
const KEY = '5a'.repeat(32);
const anyValue = fc.oneof(
  fc.integer({ min: -5, max: 700_000 }),
  fc.string({ maxLength: 8 }),
  fc.constantFrom(null, ID, KEY, 'ble', 'Serial2', 'f'.repeat(32)),
);
const key = fc.oneof(
  fc.constantFrom(...READER_FIELDS, ...BADGE_FIELDS, 'email', 'name', '__proto__'),
  fc.string({ maxLength: 6 }),
);
const READER_SET = new Set<string>(READER_FIELDS);
const INTS = ['door', 'cid', 'si', 'sw', 'dd', 'relay'];

function refused(f: () => unknown): { value?: unknown; refused: boolean } {
  try {
    return { value: f(), refused: false };
  } catch (e) {
    if (e instanceof FlashError && e.code === 'E_PROVISION_FIELD') return { refused: true };
    throw e;
  }
}

describe('device-field allow-list', () => {
  it('a reader record holds only allowed fields, in the firmware ranges, or the input is refused', () => {
    fc.assert(
      fc.property(fc.dictionary(key, anyValue, { maxKeys: 6 }), fc.boolean(), (d, withIds) => {
        const r = refused(() => readerRecord((withIds ? { id: ID, key: KEY, ...d } : d) as never));
        if (r.refused) return true;
        const cfg = JSON.parse(Buffer.from((r.value as { bytes: Uint8Array }).bytes).toString('latin1'));
        return (
          Object.keys(cfg).every((f) => READER_SET.has(f)) &&
          /^[0-9a-f]{16}$/.test(cfg.id) &&
          /^[0-9a-f]{64}$/.test(cfg.key) &&
          INTS.every((f) => !(f in cfg) || Number.isInteger(cfg[f]))
        );
      }),
      { numRuns: CHECK_RUNS },
    );
  });

  it('a badge record is exactly 34 bytes and a clock, or the input is refused', () => {
    fc.assert(
      fc.property(fc.dictionary(key, anyValue, { maxKeys: 5 }), (d) => {
        const r = refused(() =>
          badgeRecords({ kId: KEY.slice(0, 32), kTap: KEY.slice(32), cid: 1, clock: 5, ...d } as never),
        );
        if (r.refused) return true;
        const recs = r.value as { file: string; bytes: Uint8Array }[];
        return (
          recs.length === 2 &&
          recs[0]!.file === 'bw.badge' &&
          recs[0]!.bytes.length === 34 &&
          recs[1]!.file === 'bw.clk'
        );
      }),
      { numRuns: CHECK_RUNS },
    );
  });
});

/** A link whose board answers every line with `noise` first, then (if `answer`) the marked reply. */
function scriptedLink(noise: string, answer: (line: string) => string): Link {
  let data: (c: Uint8Array) => void = () => {};
  return {
    write(bytes) {
      const line = Buffer.from(bytes).toString('latin1');
      queueMicrotask(() => data(new Uint8Array(Buffer.from(noise + answer(line), 'latin1'))));
      return bytes.length;
    },
    onData: (cb) => {
      data = cb;
    },
    onClose: () => {},
    close: () => {},
  };
}

describe('console answer scanner', () => {
  it('finds its answer behind any noise, and noise never forges an answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 40 }),
        fc.stringMatching(/^[A-Za-z0-9,]{0,12}$/),
        async (noise, value) => {
          const clean = noise.replace(/@@/g, '@');
          const link = scriptedLink(clean, (line) => {
            const m = /"@@"\+(\d+)/.exec(line);
            return m ? `\r\n@@${m[1]}:${value}\r\n>` : '';
          });
          const s = new ConsoleSession(link);
          return (await s.eval('1', 1000, 'probe')) === value;
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('output filters', () => {
  it('maskSecrets leaves no long hex run; describeFrame never throws', () => {
    const longHex = /[0-9a-fA-F]{24,}/;
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (s, b) => {
        const hex = Buffer.from(b).toString('hex');
        return !longHex.test(maskSecrets(s + hex + s)) && typeof describeFrame(b) === 'string';
      }),
      { numRuns: RUNS },
    );
  });
});
