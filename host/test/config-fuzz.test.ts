/**
 * The config validator decodes untrusted JSON: on any input it either returns a config or throws
 * E_CONFIG_INVALID with at least one issue; it never throws anything else. Random JSON values and mutations
 * of a valid config (fields dropped, retyped, renamed). FUZZ_RUNS overrides the default of 100 000 runs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/index';
import { BadgewireError } from '../src/errors';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100000);

const valid = {
  tenants: ['acme'],
  zones: [{ id: 'hall' }],
  doors: [{ id: 'd1', zone: 'hall' }],
  readers: [
    {
      id: 'r1',
      door: 'd1',
      position: { x: 1, y: 2 },
      tapModes: ['C', 'SUN'],
      transport: { type: 'serial', vid: '1915', pid: '520f' },
    },
    { id: 'r2', role: 'lead', exhibitor: 'ex-1', transport: { type: 'ble', name: 'bw-booth' } },
    { id: 'r3', role: 'presence', transport: { type: 'ble-scan', companyId: 65535, dedupMs: 500 } },
  ],
  enrolment: { acme: 'enrol.json' },
  sun: { acme: { suffix: 'f58401d2760000850101', masterKeyId: 'mk-1', tags: 'tags.json' } },
  ble: { adapter: { uart: '/dev/ttyHCI', baudRate: 1000000 }, reconnect: { minMs: 100, maxMs: 1000 } },
  relay: { maxSpeedMps: 5, horizonMs: 10000 },
  api: { listen: { host: '127.0.0.1', port: 8443 } },
  mqtt: { url: 'mqtt://127.0.0.1:1883' },
  backup: { retention: { hourly: 3 } },
};

function check(raw: unknown): void {
  try {
    validateConfig(raw, '/srv/bw');
  } catch (e) {
    expect(e).toBeInstanceOf(BadgewireError);
    expect((e as BadgewireError).code).toBe('E_CONFIG_INVALID');
    expect(((e as BadgewireError).context.issues as string[]).length).toBeGreaterThan(0);
  }
}

type Path = (string | number)[];
function paths(v: unknown, at: Path = []): Path[] {
  if (typeof v !== 'object' || v === null) return [at];
  return [at, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, Array.isArray(v) ? Number(k) : k]))];
}
const ALL = paths(valid).filter((p) => p.length > 0);

function mutate(path: Path, op: 'delete' | 'set', value: unknown): unknown {
  const copy = structuredClone(valid) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (op === 'delete') delete o[last];
  else o[last] = value;
  return copy;
}

describe('config validator fuzz', () => {
  it('accepts the base config', () => {
    expect(validateConfig(valid, '/srv/bw').readers).toHaveLength(3);
  });

  it('never throws anything but E_CONFIG_INVALID on random JSON', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 3 }), check), { numRuns: Math.ceil(RUNS / 2) });
  });

  it('never throws anything but E_CONFIG_INVALID on mutated valid configs', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL),
        fc.constantFrom('delete' as const, 'set' as const),
        fc.oneof(
          fc.jsonValue({ maxDepth: 2 }),
          fc.string(),
          fc.integer(),
          fc.constant('__proto__'),
          fc.constant(null),
        ),
        (path, op, value) => check(mutate(path, op, value)),
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});
