/**
 * `append` takes events from reader sessions and the API: on any input it resolves (durably journalled,
 * readable back unchanged) or rejects with a typed BadgewireError; it never throws synchronously and never
 * journals an event that carries a personal field. `read` never throws on odd cursors.
 * FUZZ_RUNS overrides the default of 100 000 runs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BadgewireError } from '../src/errors';
import { TenantStores } from '../src/journal/index';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100000);
const dir = mkdtempSync(join(tmpdir(), 'bw-jfuzz-'));
const key = new Uint8Array(randomBytes(32));
const stores = new TenantStores({ dataDir: dir, keys: { journalKey: () => key }, windowMs: 0 });
afterAll(async () => {
  await stores.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

const field = fc.oneof(
  fc.constantFrom(
    'ref',
    'frame',
    'door',
    'email',
    'name',
    'serial',
    'uid',
    'note',
    '__proto__',
    'constructor',
  ),
  fc.string({ maxLength: 8 }),
);
const event = fc.record(
  {
    id: fc.oneof(fc.string({ maxLength: 12 }), fc.stringMatching(/^r[0-9]:[0-9]{1,6}$/), fc.integer()),
    kind: fc.oneof(
      fc.constantFrom('sighting', 'tap', 'decision', 'lead', 'presence', 'alert', 'reader'),
      fc.string({ maxLength: 6 }),
    ),
    readerId: fc.oneof(fc.constantFrom('r1', 'r2'), fc.string({ maxLength: 6 }), fc.constant(null)),
    at: fc.oneof(fc.nat(), fc.double(), fc.constant(-1)),
    data: fc.oneof(
      fc.dictionary(field, fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant('x@y.io')), {
        maxKeys: 4,
      }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  },
  { requiredKeys: [] },
);

describe('journal input fuzz', () => {
  it('resolves or rejects with a typed error, and what it journals reads back unchanged and PII-free', async () => {
    const j = stores.get('fuzz').journal;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(event, async (ev) => {
        let p: Promise<unknown>;
        expect(() => {
          p = j.append(ev as never);
        }).not.toThrow();
        try {
          const r = (await p!) as { pos: number; fresh: boolean };
          accepted++;
          const back = j.read(r.pos - 1, 1)[0]!;
          expect(back.id).toBe((ev as { id: string }).id);
          if (r.fresh) expect(back.data).toEqual(JSON.parse(JSON.stringify((ev as { data: unknown }).data)));
          for (const k of Object.keys(back.data)) expect(['email', 'name', 'serial', 'uid']).not.toContain(k);
        } catch (e) {
          expect(e).toBeInstanceOf(BadgewireError);
          expect(['E_JOURNAL_INPUT', 'E_JOURNAL_PII']).toContain((e as BadgewireError).code);
        }
      }),
      { numRuns: Math.ceil(RUNS / 10) },
    );
    expect(accepted).toBeGreaterThan(0);
    for (const [a, l] of [
      [Number.NaN, 5],
      [-1, Number.POSITIVE_INFINITY],
      [1e300, 3],
      [0, -5],
      [0.5, 2.7],
    ] as const) {
      expect(() => j.read(a, l)).not.toThrow();
    }
  });
});
