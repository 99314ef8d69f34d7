/**
 * Every fault behaviour, injected into the default venue, must be detected or absorbed as designed: replayed
 * and forged taps refused, relayed advertisements flagged, a stolen reader refused with nothing of it
 * accepted, nothing lost across line noise, a reader power cut and a host crash, skewed badges still
 * resolved. The verdicts are checked against the host's own counters and the journal, not the fault plan.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO } from '../src/sim-cli';
import { type RunResult, runScenario } from '../src/world/runner';
import { loadScenario } from '../src/world/scenario';

let r: RunResult;
const fault = (k: string) => {
  const f = r.faults.find((x) => x.kind === k);
  if (!f) throw new Error(`no ${k} report`);
  return f;
};

beforeAll(async () => {
  r = await runScenario(loadScenario(DEFAULT_SCENARIO), { badges: 60 });
});

describe('faults in the default venue (60 badges, 1 h)', () => {
  it('injects every fault kind of the scenario', () => {
    expect(r.faults.map((f) => f.kind).sort()).toEqual(
      [
        'clock-skew',
        'forgery',
        'host-crash',
        'line-noise',
        'power-loss',
        'relay',
        'replay',
        'stolen-reader',
      ].sort(),
    );
    for (const f of r.faults) expect(f.injected, f.kind).toBeGreaterThan(0);
  });

  it('refuses replayed and forged taps at the host', () => {
    expect(fault('replay')).toMatchObject({ ok: true });
    expect(fault('replay').detected).toBe(fault('replay').injected);
    expect(fault('forgery').detected).toBe(fault('forgery').injected);
    // Every refusal comes from an attack (a replay of an old tap may also be out of its EphID window).
    const refused = Object.values(r.tapRefusals).reduce((a, b) => a + b, 0);
    expect(refused).toBe(fault('replay').injected + fault('forgery').injected);
    expect((r.tapRefusals.E_BADGE_REPLAY ?? 0) + (r.tapRefusals.E_SUN_REPLAY ?? 0)).toBeGreaterThan(0);
    // Forged adverts are not resolved; genuine ones all are.
    expect(r.unresolved.E_BADGE_UNKNOWN).toBe(fault('forgery').injected);
    expect(r.totals.resolved).toBe(r.totals.sightings - fault('forgery').injected);
  });

  it('flags the relayed badges and no other badge', () => {
    const f = fault('relay');
    expect(f.ok).toBe(true);
    expect(f.detected).toBe(f.injected);
    expect(f.detail).toContain(', 0 other badges flagged');
    // A relay can be flagged on the way there and on the way back, never more.
    expect(r.totals.relayFlags).toBeGreaterThanOrEqual(f.injected);
    expect(r.totals.relayFlags).toBeLessThanOrEqual(2 * f.injected);
  });

  it('refuses a stolen reader after its keys are revoked and accepts nothing from it', () => {
    const f = fault('stolen-reader');
    expect(f.ok).toBe(true);
    expect(f.detected).toBeGreaterThan(0);
    const h = r.readerHealth.find((x) => x.reader === 'booth-4');
    expect(h).toMatchObject({ stolen: true, online: false });
    // The thief's reader keeps queuing what it hears; none of it reaches the journal.
    expect(h?.outbox).toBeGreaterThan(0);
  });

  it('loses nothing across line noise, a reader power cut and a host crash', () => {
    expect(r.totals.lost).toBe(0);
    expect(fault('line-noise')).toMatchObject({ ok: true });
    expect(fault('line-noise').detected).toBeGreaterThan(0);
    expect(fault('power-loss')).toMatchObject({ ok: true, detected: 1 });
    expect(fault('host-crash')).toMatchObject({ ok: true, detected: 1 });
    expect(r.readerHealth.find((x) => x.reader === 'door-west')?.reboots).toBe(1);
    for (const h of r.readerHealth.filter((x) => !x.stolen)) expect(h.outbox, h.reader).toBe(0);
  });

  it('still resolves badges whose clocks are skewed and drift', () => {
    const f = fault('clock-skew');
    expect(f.ok).toBe(true);
    expect(f.detected).toBeGreaterThan(0);
  });

  it('hears and resolves the badges that run the real badge firmware', () => {
    expect(r.firmwareBadges.running).toBe(3);
    expect(r.firmwareBadges.resolved).toBe(r.firmwareBadges.heard);
    expect(r.firmwareBadges.heard).toBeGreaterThan(0);
  });

  it('decides every genuine tap as the registry expects, and the audit passes', () => {
    expect(r.totals.decisionMismatches).toBe(0);
    expect(r.totals.allow).toBeGreaterThan(0);
    expect(r.denyReasons['unknown-badge'] ?? 0).toBeGreaterThan(0); // attendees without entitlement
    expect(r.audit?.ok).toBe(true);
    expect(r.audit?.places).toBeGreaterThan(50);
  });
});
