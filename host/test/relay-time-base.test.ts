/**
 * Relay detection compares readers on one time base: each reader's uptime stamp mapped to the host clock
 * (access/time-base.ts). A backlog of sightings a reader flushes after a link outage keeps the time it was
 * seen, so it is not an impossible journey; two live sightings at distant readers a second apart still are.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveBadgeKeys, encodeAdvertisement, ephId, nobleAes, type SightingMsg } from '@badgewire/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessPolicy, ReaderTimeBase } from '../src/access/index';
import { DecisionEngine } from '../src/engine/index';
import { TenantStores } from '../src/journal/index';
import { KeyStore } from '../src/keys/index';
import { VirtualClock } from './readers-world';

const dir = mkdtempSync(join(tmpdir(), 'bw-relay-time-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ReaderTimeBase', () => {
  it('maps uptime to host time by the smallest delay seen, follows drift, restarts on reboot', () => {
    const tb = new ReaderTimeBase({ driftPpm: 100 });
    expect(tb.map('r', 5_000, 1_000_000)).toBe(1_000_000); // first message: offset 995 000
    expect(tb.map('r', 6_000, 1_001_200)).toBe(1_001_000); // arrived 200 ms late: seen at 1 001 000
    expect(tb.map('r', 6_500, 1_001_400)).toBe(1_001_400); // faster than the first: the offset tightens
    expect(tb.map('r', 7_000, 1_001_900)).toBe(1_001_900);
    // A backlog flushed on reconnect: uptime 7 s, delivered a minute later, keeps its time (give or take the
    // 100 ppm drift allowance over that minute: 6 ms).
    expect(tb.map('r', 7_000, 1_061_900)).toBe(1_001_906);
    // The reader rebooted: uptime went back; the new boot starts a new offset.
    expect(tb.map('r', 100, 1_070_000)).toBe(1_070_000);
    expect(tb.map('r', 1_100, 1_071_050)).toBe(1_071_000);
    // Never later than receive time, and a reader's clock never leaks into another's.
    expect(tb.map('other', 123, 500)).toBe(500);
  });
});

describe('engine relay check on the host time base', () => {
  it('does not flag a backlog delivered late by a distant reader, but flags live impossible journeys', async () => {
    const keys = KeyStore.create(join(dir, 'keys.sealed'), { passphrase: 'relay time passphrase' });
    const mk = keys.createMasterKey('event').id;
    const serials = ['BW-R1', 'BW-R2'];
    const kIds = serials.map(
      (s) => deriveBadgeKeys(nobleAes, keys.masterKey(mk), new TextEncoder().encode(s)).kId,
    );
    const clock = new VirtualClock();
    const stores = new TenantStores({ dataDir: join(dir, 'data'), keys, windowMs: 0 });
    const A = 'a0000000000000a1';
    const B = 'a0000000000000b2';
    const engine = new DecisionEngine({
      clock,
      stores,
      policies: new Map([['acme', new AccessPolicy({ doors: [], antiPassback: 'off' })]]),
      readers: [
        { id: A, tenant: 'acme', role: 'presence', zone: 'room-a', x: 0, y: 0 },
        { id: B, tenant: 'acme', role: 'presence', zone: 'room-b', x: 300, y: 0 },
      ],
      enrolment: new Map([
        [
          'acme',
          { keys, masterKeyId: mk, badges: serials.map((serial, i) => ({ serial, ref: `att-r${i}` })) },
        ],
      ]),
    });
    engine.bind({ takeChallenge: () => null, decide: () => false });
    let seq = 0;
    const sight = (reader: string, kId: Uint8Array, uptimeMs: number) => {
      const eph = ephId(nobleAes, kId, Math.floor(clock.epoch() / 256));
      const msg: SightingMsg = {
        type: 16,
        seq: ++seq,
        adv: encodeAdvertisement(0xffff, eph),
        rssi: -60,
        uptimeMs,
      };
      return engine.handle({ readerId: reader, tenant: 'acme', seq, msg });
    };
    const alerts = () =>
      stores
        .get('acme')
        .journal.read(0, 100)
        .filter((r) => r.kind === 'alert');
    const [k0, k1] = kIds as [Uint8Array, Uint8Array];
    // Both readers talk live at t = 0 s (their uptimes differ: they booted at different times).
    await sight(A, k1, 50_000);
    await sight(B, k1, 900_000);
    expect(alerts()).toHaveLength(1); // badge 1 at both ends of the hall in the same second: relay
    // Reader B loses its link for a minute; badge 0 is seen at B at t = 5 s and queued in its outbox.
    clock.t = 65_000;
    await sight(A, k0, 115_000); // live at A, t = 65 s
    await sight(B, k0, 905_000); // B's backlog arrives now: seen at t = 5 s, a minute before A
    expect(alerts()).toHaveLength(1);
    // On receive times alone this would have been a 300 m jump in under a second.
    clock.t = 66_000;
    await sight(B, k0, 966_000); // live at B at t = 66 s, a second after A: flagged
    const all = alerts();
    expect(all).toHaveLength(2);
    expect(all[1]?.data).toMatchObject({ alert: 'relay-suspected', readers: [A, B] });
    await engine.stop();
    await stores.closeAll();
  });
});
