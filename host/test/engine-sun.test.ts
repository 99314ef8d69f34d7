/**
 * Passive NTAG 424 DNA badges (SUN) through the decision engine: keys from the event master key in the sealed
 * key store, the tag emulated by the simulator's SunTag (Random ID, SDM counter, CMAC), real SQLite journal.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { an10922FileKeys, deriveSunKeys, nobleAes, sunTagRef, TAP_SUN } from '@badgewire/protocol';
import { describe, expect, it } from 'vitest';
import { SUN_SUFFIX, SunTag } from '../../simulator/src/world/badges';
import { AccessPolicy } from '../src/access/index';
import { DecisionEngine } from '../src/engine/index';
import { TenantStores } from '../src/journal/index';
import { KeyStore } from '../src/keys/index';
import { VirtualClock } from './readers-world';

const BOOTH = 'b0070000000000c1';
const DOOR = 'd00d0000000000c2';

describe('decision engine: SUN taps (passive tags)', () => {
  it('verifies a SUN read into a lead, refuses its replay, and refuses SUN at a challenge-only door', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-engine-sun-'));
    const keys = KeyStore.create(join(dir, 'keys.sealed'), { passphrase: 'engine sun passphrase' });
    const mk = keys.masterKey(keys.createMasterKey('event').id);
    const sunKeys = deriveSunKeys(nobleAes, mk);
    const uid = Uint8Array.of(0x04, 0x51, 0x2a, 0x6b, 0x7c, 0x11, 0x80);
    const tagRef = sunTagRef(nobleAes, sunKeys.ref, uid);
    const fileKey = an10922FileKeys(nobleAes, sunKeys.fileMaster, SUN_SUFFIX)(uid);
    let r = 1;
    const tag = new SunTag(
      nobleAes,
      uid,
      sunKeys.metaRead,
      fileKey,
      () => (r = (r * 48271) % 2147483647) / 2147483647,
    );
    const stores = new TenantStores({ dataDir: join(dir, 'data'), keys, windowMs: 0 });
    const journal = stores.get('acme').journal;
    const clock = new VirtualClock();
    const decided: boolean[] = [];
    const engine = new DecisionEngine({
      clock,
      stores,
      policies: new Map([
        [
          'acme',
          new AccessPolicy({ doors: [{ id: 'main', zone: 'hall', mode: 'both' }], antiPassback: 'off' }),
        ],
      ]),
      readers: [
        { id: BOOTH, tenant: 'acme', role: 'lead', exhibitor: 'ex-9', modes: ['C', 'S', 'SUN'] },
        { id: DOOR, tenant: 'acme', role: 'door', door: 'main' },
      ],
      sun: new Map([['acme', { keys: sunKeys, suffix: SUN_SUFFIX, refs: new Map([[tagRef, 'att-sun-1']]) }]]),
    });
    engine.bind({ takeChallenge: () => null, decide: (_id, d) => decided.push(d.allow) > 0 });
    const tap = (readerId: string, seq: number, frame: Uint8Array) =>
      engine.handle({
        readerId,
        tenant: 'acme',
        seq,
        msg: { type: 17, seq, frame, kind: TAP_SUN, uptimeMs: 1 },
      });
    const first = tag.tap();
    await tap(BOOTH, 1, first);
    await tap(BOOTH, 2, first); // the same URL again: its SDM counter did not move
    await tap(DOOR, 1, tag.tap());
    const rows = journal.read(0, 1000);
    expect(rows.filter((x) => x.kind === 'tap').map((x) => [x.readerId, x.data.ref, x.data.result])).toEqual([
      [BOOTH, 'att-sun-1', 'ok'],
      [BOOTH, null, 'E_SUN_REPLAY'],
      [DOOR, null, 'E_BADGE_HEADER'],
    ]);
    expect(rows.filter((x) => x.kind === 'lead').map((x) => x.data)).toEqual([
      { ref: 'att-sun-1', exhibitor: 'ex-9' },
    ]);
    expect(rows.filter((x) => x.kind === 'decision').map((x) => x.data.reason)).toEqual([
      'granted',
      'replay',
      'invalid-credential',
    ]);
    expect(decided).toEqual([true, false, false]);
    // The tag's UID never reaches the journal, in any form the host could write.
    expect(JSON.stringify(rows)).not.toContain('04512a6b7c1180');
    await stores.closeAll();
  });
});
