/**
 * NTAG 424 DNA (SUN) keys, tap modes and lead owners come from the bridge configuration: `sun.<tenant>` derives
 * the SUN keys from the enrolment's event master key in the sealed key store, with the AN10922 suffix and the
 * tag -> attendee map from the config; `tapModes` and `exhibitor` per reader. Driven through the bridge's own
 * engine (startBridge from a config file), taps from the simulator's SunTag.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { an10922FileKeys, deriveSunKeys, nobleAes, sunTagRef, TAP_SUN, toHex } from '@badgewire/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { SUN_SUFFIX, SunTag } from '../../simulator/src/world/badges';
import { startBridge } from '../src/bridge';
import { loadConfig } from '../src/config/index';
import { KeyStore } from '../src/keys/index';
import { createLogger } from '../src/log/index';
import { VirtualClock } from './readers-world';

const dir = mkdtempSync(join(tmpdir(), 'bw-bridge-sun-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BOOTH = 'b0070000000000d1';
const DOOR = 'd00d0000000000d2';
const env = { BADGEWIRE_KEYSTORE_PASSPHRASE: 'bridge sun passphrase' };

describe('SUN settings from the bridge config', () => {
  it('a booth reader configured for SUN captures a lead; a door left at its default refuses SUN', async () => {
    const ks = KeyStore.create(join(dir, 'keys.sealed'), { passphrase: env.BADGEWIRE_KEYSTORE_PASSPHRASE });
    const mkId = ks.createMasterKey('event').id;
    const sunKeys = deriveSunKeys(nobleAes, ks.masterKey(mkId));
    const uid = Uint8Array.of(0x04, 0x22, 0x33, 0x44, 0x55, 0x66, 0x80);
    let r = 7;
    const tag = new SunTag(
      nobleAes,
      uid,
      sunKeys.metaRead,
      an10922FileKeys(nobleAes, sunKeys.fileMaster, SUN_SUFFIX)(uid),
      () => (r = (r * 48271) % 2147483647) / 2147483647,
    );
    writeFileSync(join(dir, 'enrol.json'), JSON.stringify({ masterKeyId: mkId, badges: [] }));
    writeFileSync(
      join(dir, 'sun-tags.json'),
      JSON.stringify({ [sunTagRef(nobleAes, sunKeys.ref, uid)]: 'att-sun-cfg' }),
    );
    writeFileSync(
      join(dir, 'bridge.json'),
      JSON.stringify({
        dataDir: 'data',
        keyStore: { path: 'keys.sealed' },
        tenants: ['acme'],
        zones: [{ id: 'hall' }],
        doors: [{ id: 'main', zone: 'hall' }],
        readers: [
          {
            id: BOOTH,
            role: 'lead',
            exhibitor: 'ex-cfg',
            tapModes: ['SUN'],
            transport: { type: 'serial', path: join(dir, 'no-tty-1') },
          },
          { id: DOOR, door: 'main', transport: { type: 'serial', path: join(dir, 'no-tty-2') } },
        ],
        enrolment: { acme: 'enrol.json' },
        sun: { acme: { suffix: toHex(SUN_SUFFIX), tags: 'sun-tags.json' } },
        journal: { commitWindowMs: 0 },
      }),
    );
    const b = await startBridge(loadConfig(join(dir, 'bridge.json')), {
      env,
      clock: new VirtualClock(),
      log: createLogger({ level: 'silent' }),
    });
    try {
      const tap = (readerId: string, seq: number, frame: Uint8Array) =>
        b.engine.handle({
          readerId,
          tenant: 'acme',
          seq,
          msg: { type: 17, seq, frame, kind: TAP_SUN, uptimeMs: 1 },
        });
      await tap(BOOTH, 1, tag.tap());
      await tap(DOOR, 1, tag.tap());
      const rows = b.stores.get('acme').journal.read(0, 100);
      expect(
        rows.filter((x) => x.kind === 'tap').map((x) => [x.readerId, x.data.ref, x.data.result]),
      ).toEqual([
        [BOOTH, 'att-sun-cfg', 'ok'],
        [DOOR, null, 'E_BADGE_HEADER'],
      ]);
      expect(rows.filter((x) => x.kind === 'lead').map((x) => x.data)).toEqual([
        { ref: 'att-sun-cfg', exhibitor: 'ex-cfg' },
      ]);
    } finally {
      await b.stop();
    }
  });
});
