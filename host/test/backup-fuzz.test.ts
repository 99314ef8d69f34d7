/**
 * `openSnapshot` decodes untrusted files: on random bytes and on mutations of a real snapshot it throws only
 * E_BACKUP_FORMAT or E_BACKUP_AUTH, and never returns an image that differs from the original. The same for
 * `openHostState` (audit trails, API clients, reader records).
 * FUZZ_RUNS overrides the default of 100 000 runs.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openHostState, openSnapshot, snapshotHostState, snapshotTenant } from '../src/backup/index';
import { BadgewireError } from '../src/errors';
import { TenantStores } from '../src/journal/index';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100000);
const dir = mkdtempSync(join(tmpdir(), 'bw-bakfuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function check(file: Uint8Array, key: Uint8Array, original: Uint8Array | null): void {
  try {
    const { image } = openSnapshot(file, key);
    // Only the untouched file may open, and it yields exactly the original image.
    expect(original).not.toBeNull();
    expect(Buffer.compare(Buffer.from(image), Buffer.from(original!))).toBe(0);
  } catch (e) {
    expect(e).toBeInstanceOf(BadgewireError);
    expect(['E_BACKUP_FORMAT', 'E_BACKUP_AUTH']).toContain((e as BadgewireError).code);
  }
}

describe('snapshot decoder fuzz', () => {
  it('rejects random bytes and every mutation of a real snapshot with a typed error', async () => {
    const key = new Uint8Array(randomBytes(32));
    const stores = new TenantStores({ dataDir: join(dir, 'data'), keys: { journalKey: () => key } });
    await stores
      .get('acme')
      .journal.append({ id: 'r:1', kind: 'tap', readerId: 'r', at: 1, data: { ref: 'x' } });
    const { path } = await snapshotTenant(stores.get('acme'), join(dir, 'b'), key);
    await stores.closeAll();
    const file = new Uint8Array(readFileSync(path));
    const original = openSnapshot(file, key).image;

    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => check(bytes, key, null)),
      { numRuns: Math.ceil(RUNS / 4) },
    );
    // Mutations: flip, truncate, or splice bytes, mostly in the framing and header (where parsing happens);
    // a change anywhere in the sealed body ends in the same GCM tag check, so fewer of those are needed.
    const headEnd = 12 + new DataView(file.buffer, file.byteOffset).getUint32(8) + 16;
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 5, arbitrary: fc.nat({ max: headEnd }) },
          { weight: 1, arbitrary: fc.nat({ max: file.length - 1 }) },
        ),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom('flip', 'truncate', 'insert'),
        (at, v, op) => {
          let m: Uint8Array;
          if (op === 'flip') {
            m = file.slice();
            m[at % m.length]! ^= v;
          } else if (op === 'truncate') m = file.subarray(0, at % file.length);
          else {
            m = new Uint8Array(file.length + 1);
            m.set(file.subarray(0, at), 0);
            m[at] = v;
            m.set(file.subarray(at), at + 1);
          }
          check(m, key, null);
        },
      ),
      { numRuns: Math.ceil((RUNS * 3) / 4) },
    );
    check(file, key, original);
  });
});

describe('host state decoder fuzz', () => {
  it('rejects random bytes and every mutation of a real host state snapshot with a typed error', () => {
    const key = new Uint8Array(randomBytes(32));
    const data = join(dir, 'host-data');
    mkdirSync(join(data, 'audit'), { recursive: true });
    writeFileSync(join(data, 'audit', 'acme.jsonl'), '{"seq":1}\n');
    writeFileSync(join(data, 'api-clients.json'), '{"acme-ops/k1":1}');
    const path = snapshotHostState({ dataDir: data, clientsFile: null }, join(dir, 'hb'), key, {
      hourly: 1,
      daily: 0,
      weekly: 0,
      monthly: 0,
    });
    const file = new Uint8Array(readFileSync(path));
    const names = openHostState(file, key).entries.map((e) => e.name);
    expect(names).toEqual(['audit/acme.jsonl', 'api-clients.json']);
    const typed = (m: Uint8Array) => {
      try {
        openHostState(m, key);
        expect(Buffer.compare(Buffer.from(m), Buffer.from(file))).toBe(0);
      } catch (e) {
        expect(e).toBeInstanceOf(BadgewireError);
        expect(['E_BACKUP_FORMAT', 'E_BACKUP_AUTH']).toContain((e as BadgewireError).code);
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => typed(bytes)),
      { numRuns: Math.ceil(RUNS / 4) },
    );
    fc.assert(
      fc.property(
        fc.nat({ max: file.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        (at, v, cut) => {
          const m = cut ? file.subarray(0, at) : file.slice();
          if (!cut) m[at]! ^= v;
          typed(m);
        },
      ),
      { numRuns: Math.ceil((RUNS * 3) / 4) },
    );
  });
});
