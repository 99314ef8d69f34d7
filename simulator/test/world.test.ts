/** The virtual world's parts against the real protocol: scenario files, the air, badges, tags. */
import {
  an10922FileKeys,
  ChallengeIssuer,
  deriveBadgeKeys,
  deriveSunKeys,
  errorName,
  fastAes,
  MemoryCounterStore,
  parseSunUrl,
  Resolver,
  SLOT_SECONDS,
  SUN_DEFAULT_LAYOUT,
  SunVerifier,
  sunTagRef,
} from '@badgewire/protocol';
import { describe, expect, it } from 'vitest';
import { attendeeCanaries, PiiAudit } from '../src/audit/index';
import { SeededRandom } from '../src/random';
import { Air } from '../src/world/air';
import { arrivalFraction } from '../src/world/attendees';
import { McuBadge, SUN_SUFFIX, SunTag } from '../src/world/badges';
import { parseScenario, ScenarioError } from '../src/world/scenario';

const base = {
  places: [
    { id: 'entrance', kind: 'entrance', x: 0, y: 0, w: 10, h: 5 },
    { id: 'hall', kind: 'hall', x: 0, y: 5, w: 50, h: 30 },
  ],
  readers: [{ id: 'door', place: 'entrance', role: 'door' }],
};

function scenarioError(json: unknown): ScenarioError {
  try {
    parseScenario(json);
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('scenario files', () => {
  it('fills in defaults for a minimal venue', () => {
    const sc = parseScenario(base);
    expect(sc.readers[0]).toMatchObject({ board: 'puckjs', link: 'memory', zone: 'hall', x: 5, y: 2.5 });
    expect(sc.air.dedupMs).toBeGreaterThan(0);
    expect(sc.faults).toEqual([]);
  });

  it('refuses bad files with the JSON path of the fault', () => {
    expect(scenarioError({ ...base, readers: [] }).path).toBe('$.readers');
    expect(scenarioError({ ...base, readers: [{ id: 'd', place: 'nowhere', role: 'door' }] }).path).toBe(
      '$.readers[0].place',
    );
    const e = scenarioError({ ...base, faults: [{ kind: 'power-loss', reader: 'ghost', atS: 5 }] });
    expect(e.path).toBe('$.faults[0].reader');
    expect(e.message).toContain('[E_SCENARIO]');
    expect(scenarioError({ ...base, faults: [{ kind: 'meteor' }] }).path).toBe('$.faults[0].kind');
    expect(scenarioError({ ...base, air: { loss: 2 } }).path).toBe('$.air.loss');
  });

  it('inverts the arrival curve', () => {
    const c: [number, number][] = [
      [0, 0],
      [0.5, 0.8],
      [1, 1],
    ];
    expect(arrivalFraction(c, 0.4)).toBeCloseTo(0.25);
    expect(arrivalFraction(c, 0.9)).toBeCloseTo(0.75);
  });
});

describe('air', () => {
  const spec = parseScenario(base).air;
  it('RSSI falls with distance (log-distance path loss plus noise)', () => {
    const air = new Air(spec, new SeededRandom(1), 0);
    const mean = (d: number) => {
      let s = 0;
      for (let i = 0; i < 2000; i++) s += air.rssi(d);
      return s / 2000;
    };
    const at1 = mean(1);
    const at10 = mean(10);
    expect(at1).toBeCloseTo(spec.txPowerDbm, 0);
    expect(at1 - at10).toBeCloseTo(10 * spec.pathLossExponent, 0);
  });

  it('nothing below the floor is heard; one advertisement is lost at the loss rate', () => {
    const air = new Air({ ...spec, loss: 0.5 }, new SeededRandom(2), 0);
    expect(air.heard(spec.rssiFloorDbm - 1, 60_000)).toBe(false);
    let heard = 0;
    for (let i = 0; i < 4000; i++) if (air.heard(-60, spec.advIntervalMs)) heard++;
    expect(heard / 4000).toBeGreaterThan(0.45);
    expect(heard / 4000).toBeLessThan(0.55);
  });
});

describe('badges against the real resolver', () => {
  const mk = new Uint8Array(32).fill(7);
  const keys = deriveBadgeKeys(fastAes, mk, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  const t0 = 1_780_000_000;

  it('rotates its EphID and address per slot, switching within 60 s after the boundary', () => {
    const b = new McuBadge(fastAes, keys, 50_000 - t0, 99);
    const resolver = new Resolver({ nowS: t0, store: new MemoryCounterStore() });
    resolver.addBadge('ref-1', keys.kId, keys.kTap, 50_000 - t0);
    const seen = new Set<string>();
    const addresses = new Set<string>();
    for (let s = 0; s < 4 * SLOT_SECONDS; s += 8) {
      const em = b.emission(t0 + s);
      seen.add(Buffer.from(em.adv).toString('hex'));
      addresses.add(em.address);
      const r = resolver.resolveSighting(em.adv.subarray(8, 24), t0 + s);
      expect(r.ok ? r.value.badge : errorName(r.code)).toBe('ref-1');
      const slotStart = Math.floor(b.badgeTime(t0 + s) / SLOT_SECONDS) * SLOT_SECONDS;
      if (b.badgeTime(t0 + s) - slotStart >= 60) expect(em.slot).toBe(slotStart / SLOT_SECONDS);
    }
    expect(seen.size).toBeGreaterThanOrEqual(4);
    expect(addresses.size).toBe(seen.size);
  });

  it('taps in mode C and S verify; a replayed tap is refused', () => {
    const b = new McuBadge(fastAes, keys, 9_000 - t0, 5);
    const resolver = new Resolver({ nowS: t0, store: new MemoryCounterStore() });
    resolver.addBadge('ref-2', keys.kId, keys.kTap, 9_000 - t0);
    const issuer = new ChallengeIssuer({ fill: (o) => o.fill(0x3c) });
    const [chal] = issuer.issue('door', 1, t0);
    const c = b.tap(t0 + 10, chal as Uint8Array);
    expect(resolver.verifyTap(c, t0 + 10, issuer.forReader('door'))).toMatchObject({ ok: true });
    const s = b.tap(t0 + 20, null);
    expect(resolver.verifyTap(s, t0 + 20, null)).toMatchObject({ ok: true, value: { ctr: 2, mode: 'S' } });
    const again = resolver.verifyTap(s, t0 + 25, null);
    expect(again.ok ? 'accepted' : errorName(again.code)).toBe('E_BADGE_REPLAY');
  });

  it('a SUN tag answers with a URL the host verifies, and the reader never sees its UID', () => {
    const sk = deriveSunKeys(fastAes, mk);
    const uid = Uint8Array.of(0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66);
    const fileKeyOf = an10922FileKeys(fastAes, sk.fileMaster, SUN_SUFFIX);
    const rnd = new SeededRandom(4);
    const tag = new SunTag(fastAes, uid, sk.metaRead, fileKeyOf(uid), () => rnd.next());
    const v = new SunVerifier(
      fastAes,
      sk.metaRead,
      fileKeyOf,
      (u) => sunTagRef(fastAes, sk.ref, u),
      new MemoryCounterStore(),
    );
    const url = tag.tap();
    const msg = parseSunUrl(Buffer.from(url).toString('ascii'), SUN_DEFAULT_LAYOUT);
    if (!msg.ok) throw new Error(errorName(msg.code));
    expect(v.verify(msg.value)).toMatchObject({
      ok: true,
      value: { ref: sunTagRef(fastAes, sk.ref, uid), ctr: 1 },
    });
    const replay = v.verify(msg.value);
    expect(replay.ok ? 'accepted' : errorName(replay.code)).toBe('E_SUN_REPLAY');
    const audit = new PiiAudit(attendeeCanaries(1, 'tt', new Uint8Array(8).fill(9), uid));
    audit.bytesAt('tap', Buffer.concat([url, tag.tap(), tag.tap()]));
    expect(audit.result().ok).toBe(true);
  });
});
