/**
 * The decision engine through its real interface: readers built from the protocol's device pieces on in-memory
 * links, the real ReaderHub, a real sealed KeyStore (master key -> badge keys), real per-tenant SQLite journals.
 * Badge frames are built independently with the noble AES (the engine uses the fast one).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CborMap,
  type Delivery,
  deriveBadgeKeys,
  encodeAdvertisement,
  encodeTap,
  ephId,
  fromHex,
  HDR_TAP_C,
  HDR_TAP_S,
  nobleAes,
  toHex,
} from '@badgewire/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccessPolicy } from '../src/access/index';
import { DecisionEngine, enrolBadges } from '../src/engine/index';
import { TenantStores } from '../src/journal/index';
import { KeyStore } from '../src/keys/index';
import { createLogger } from '../src/log/index';
import { keyStoreKeyring, MemoryReaderStore, ReaderHub } from '../src/readers/index';
import { linkPair, run, TestReader, VirtualClock } from './readers-world';

const dir = mkdtempSync(join(tmpdir(), 'bw-engine-'));
const keys = KeyStore.create(join(dir, 'keys.sealed'), { passphrase: 'engine test passphrase' });
const mkId = keys.createMasterKey('event').id;
const SERIALS = ['BW-0001', 'BW-0002'];
const REFS = ['att-7f3a', 'att-91c2'];
const badgeKeys = SERIALS.map((s) =>
  deriveBadgeKeys(nobleAes, keys.masterKey(mkId), new TextEncoder().encode(s)),
);
const DOOR = 'd00d000000000001';
const BOOTH = 'b0070000000000a1';
const ROOM_A = 'a0000000000000a1';
const ROOM_B = 'a0000000000000b2';
let worlds = 0;

function world(opts: { failAppends?: number } = {}) {
  const clock = new VirtualClock();
  const lines: string[] = [];
  const log = createLogger({ sink: { write: (l: string) => void lines.push(l) }, level: 'debug' });
  const stores = new TenantStores({ dataDir: join(dir, `w${worlds++}`), keys, windowMs: 0 });
  const journal = stores.get('acme').journal;
  let failures = opts.failAppends ?? 0;
  const real = journal.append.bind(journal);
  journal.append = (ev) => {
    if (failures > 0 && ev.kind === 'tap') {
      failures--;
      return Promise.reject(new Error('disk full'));
    }
    return real(ev);
  };
  const policy = new AccessPolicy({
    doors: [{ id: 'main', zone: 'hall', mode: 'both' }],
    antiPassback: 'off',
  });
  policy.setEntitlement(REFS[0] as string, { zones: ['hall'] });
  const engine = new DecisionEngine({
    clock,
    stores,
    policies: new Map([['acme', policy]]),
    readers: [
      { id: DOOR, tenant: 'acme', role: 'door', door: 'main' },
      { id: BOOTH, tenant: 'acme', role: 'lead', exhibitor: 'ex-42' },
      { id: ROOM_A, tenant: 'acme', role: 'presence', zone: 'room-a', x: 0, y: 0 },
      { id: ROOM_B, tenant: 'acme', role: 'presence', zone: 'room-b', x: 200, y: 0 },
    ],
    enrolment: new Map([
      [
        'acme',
        {
          keys,
          masterKeyId: mkId,
          badges: SERIALS.map((serial, i) => ({ serial, ref: REFS[i] as string })),
        },
      ],
    ]),
    presence: { timeoutMs: 10_000 },
    log,
  });
  const order: string[] = [];
  const hub = new ReaderHub({
    store: new MemoryReaderStore(),
    keyring: keyStoreKeyring(keys),
    clock,
    onEvent: (ev) => engine.handle(ev),
  });
  engine.bind({
    takeChallenge: (id, c) => hub.takeChallenge(id, c),
    decide: (id, d) => {
      order.push(`decide@${journal.lastPos()}`);
      return hub.decide(id, d);
    },
  });
  engine.start();
  const ends: ReturnType<typeof linkPair>[number][] = [];
  const readers = new Map<string, TestReader>();
  for (const id of [DOOR, BOOTH, ROOM_A, ROOM_B]) {
    hub.register(id, 'acme', id === DOOR ? { door: true, doorId: 'main' } : {});
    const key = keys.readerKeys(id)[0]?.key ?? hub.provision(id);
    const [h, r] = linkPair();
    readers.set(id, new TestReader(r, clock, fromHex(id), key));
    hub.attach(h, 'serial');
    ends.push(h, r);
  }
  const go = (ms: number) => run(clock, ends, [...readers.values()], ms);
  const reader = (id: string) => readers.get(id) as TestReader;
  const send = (id: string, m: CborMap) => {
    const r = reader(id);
    const o = r.s.send(m, true, clock.now());
    r.apply(o);
    return o.seq;
  };
  const rows = () => journal.read(0, 10_000);
  return { clock, stores, journal, engine, hub, go, reader, send, rows, order, lines, policy };
}

type World = ReturnType<typeof world>;

function badgeTime(w: World): number {
  return w.clock.epoch();
}

function frame(
  w: World,
  b: number,
  hdr: number,
  ctr: number,
  chal: Uint8Array = new Uint8Array(8),
): Uint8Array {
  const k = badgeKeys[b] as { kId: Uint8Array; kTap: Uint8Array };
  const t = badgeTime(w);
  return encodeTap(nobleAes, k.kTap, ephId(nobleAes, k.kId, Math.floor(t / 256)), hdr, ctr, t, chal);
}

function challenges(w: World, id: string): { id: number; bytes: Uint8Array }[] {
  const out: { id: number; bytes: Uint8Array }[] = [];
  for (const d of w.reader(id).got.filter((x: Delivery) => x.type === 21)) {
    const list = d.msg[2] as Uint8Array[];
    for (const [i, bytes] of list.entries()) out.push({ id: (d.msg[4] as number) + i, bytes });
  }
  return out;
}

function decisions(w: World, id: string): CborMap[] {
  return w
    .reader(id)
    .got.filter((d: Delivery) => d.type === 18)
    .map((d) => d.msg);
}

const tapMsg = (f: Uint8Array, kind: number, challengeId?: number): CborMap =>
  challengeId === undefined
    ? { 0: 17, 1: 0, 2: f, 3: kind, 5: 1 }
    : { 0: 17, 1: 0, 2: f, 3: kind, 4: challengeId, 5: 1 };

async function up(): Promise<World> {
  const w = world();
  await w.go(500);
  expect(challenges(w, DOOR).length).toBeGreaterThan(0);
  return w;
}

describe('decision engine: door taps', () => {
  it('mode C tap: verified, journalled (tap + decision), then DECISION with the policy relay pulse', async () => {
    const w = await up();
    const c = challenges(w, DOOR)[0] as { id: number; bytes: Uint8Array };
    const seq = w.send(DOOR, tapMsg(frame(w, 0, HDR_TAP_C, 1, c.bytes), 0, c.id));
    await w.go(300);
    const d = decisions(w, DOOR);
    expect(d).toHaveLength(1);
    expect(d[0]?.[2]).toBe(seq);
    expect(d[0]?.[3]).toBe(true);
    expect(d[0]?.[4]).toBe(3000);
    const rows = w.rows().filter((r) => r.id.startsWith(`${DOOR}:${seq}`));
    expect(rows.map((r) => r.kind).sort()).toEqual(['decision', 'tap']);
    expect(rows.find((r) => r.kind === 'tap')?.data).toMatchObject({ ref: REFS[0], mode: 'C', result: 'ok' });
    expect(rows.find((r) => r.kind === 'decision')?.data).toMatchObject({ allow: true, reason: 'granted' });
    // The DECISION left only after both rows were durable.
    const pos = Math.max(...rows.map((r) => r.pos));
    expect(w.order).toEqual([`decide@${pos}`]);
    await w.engine.stop();
  });

  it('refuses replays, forgeries, unknown badges, spent challenges, downgrades and relabelled frames', async () => {
    const w = await up();
    const [c1, c2, c3, c4] = challenges(w, DOOR) as { id: number; bytes: Uint8Array }[];
    const good = frame(w, 0, HDR_TAP_C, 5, c1?.bytes);
    w.send(DOOR, tapMsg(good, 0, c1?.id));
    await w.go(200);
    w.send(DOOR, tapMsg(good, 0, c2?.id)); // replay of an accepted frame
    const forged = frame(w, 0, HDR_TAP_C, 6, c3?.bytes);
    forged[30] = (forged[30] as number) ^ 1;
    w.send(DOOR, tapMsg(forged, 0, c3?.id));
    const stranger = encodeTap(
      nobleAes,
      new Uint8Array(16).fill(9),
      new Uint8Array(16).fill(7),
      HDR_TAP_C,
      1,
      badgeTime(w),
      c4?.bytes as Uint8Array,
    );
    w.send(DOOR, tapMsg(stranger, 0, c4?.id));
    w.send(DOOR, tapMsg(frame(w, 0, HDR_TAP_C, 7, c1?.bytes), 0, c1?.id)); // challenge already spent
    w.send(DOOR, tapMsg(frame(w, 0, HDR_TAP_S, 8), 1)); // counter mode at a challenge door: downgrade
    w.send(DOOR, tapMsg(frame(w, 0, HDR_TAP_S, 9), 0, c2?.id)); // S frame relabelled as C
    await w.go(500);
    const d = decisions(w, DOOR);
    expect(d.map((m) => m[3])).toEqual([true, false, false, false, false, false, false]);
    const taps = w.rows().filter((r) => r.kind === 'tap');
    expect(taps.map((r) => r.data.result)).toEqual([
      'ok',
      'E_BADGE_REPLAY',
      'E_BADGE_FORGED',
      'E_BADGE_UNKNOWN',
      'E_BADGE_CHALLENGE',
      'E_BADGE_CHALLENGE',
      'E_BADGE_HEADER',
    ]);
    const denied = w.rows().filter((r) => r.kind === 'decision' && r.data.allow === false);
    expect(denied.map((r) => r.data.reason)).toEqual([
      'replay',
      'invalid-credential',
      'unknown-badge',
      'challenge',
      'challenge',
      'invalid-credential',
    ]);
    expect(
      w
        .rows()
        .filter((r) => r.kind === 'alert')
        .map((r) => r.data.error),
    ).toEqual(['E_BADGE_REPLAY', 'E_BADGE_FORGED', 'E_BADGE_CHALLENGE', 'E_BADGE_CHALLENGE']);
    expect(w.engine.stats.refusals).toMatchObject({ E_BADGE_REPLAY: 1, E_BADGE_CHALLENGE: 2 });
    // No badge secret, serial or master key in any journal row, nor in the log.
    const all = JSON.stringify(w.rows()) + w.lines.join('');
    for (const k of badgeKeys) {
      expect(all).not.toContain(toHex(k.kId));
      expect(all).not.toContain(toHex(k.kTap));
    }
    expect(all).not.toContain(toHex(keys.masterKey(mkId)));
    for (const s of SERIALS) expect(all).not.toContain(s);
    await w.engine.stop();
  });

  it('revoked badge and unentitled badge are denied with their reason', async () => {
    const w = await up();
    const [c1, c2] = challenges(w, DOOR) as { id: number; bytes: Uint8Array }[];
    w.send(DOOR, tapMsg(frame(w, 1, HDR_TAP_C, 1, c1?.bytes), 0, c1?.id));
    await w.go(200);
    expect(w.engine.revoke('acme', REFS[0] as string)).toBe(true);
    w.send(DOOR, tapMsg(frame(w, 0, HDR_TAP_C, 1, c2?.bytes), 0, c2?.id));
    await w.go(300);
    const ds = w.rows().filter((r) => r.kind === 'decision');
    expect(ds.map((r) => [r.data.ref, r.data.reason])).toEqual([
      [REFS[1], 'unknown-badge'],
      [null, 'revoked'],
    ]);
    expect(ds[1]?.data.error).toBe('E_BADGE_REVOKED');
    await w.engine.stop();
  });

  it('a challenge past its lifetime is refused (E_BADGE_CHALLENGE) even on a genuine, fresh tap', async () => {
    const w = await up();
    const c = challenges(w, DOOR)[0] as { id: number; bytes: Uint8Array };
    await w.go(61_000); // the hub issues pools for 60 s
    w.send(DOOR, tapMsg(frame(w, 0, HDR_TAP_C, 1, c.bytes), 0, c.id));
    await w.go(300);
    expect(
      w
        .rows()
        .filter((r) => r.kind === 'tap')
        .map((r) => r.data.result),
    ).toEqual(['E_BADGE_CHALLENGE']);
    expect(decisions(w, DOOR).map((m) => m[3])).toEqual([false]);
    await w.engine.stop();
  }, 20_000);

  it('a failed journal write is retried by the reader and journalled once with the first outcome', async () => {
    const w = world({ failAppends: 1 });
    await w.go(500);
    const c = challenges(w, DOOR)[0] as { id: number; bytes: Uint8Array };
    const seq = w.send(DOOR, tapMsg(frame(w, 0, HDR_TAP_C, 3, c.bytes), 0, c.id));
    await w.go(3000);
    const taps = w.rows().filter((r) => r.kind === 'tap');
    expect(taps.map((r) => [r.id, r.data.result])).toEqual([[`${DOOR}:${seq}`, 'ok']]);
    expect(decisions(w, DOOR).map((m) => m[3])).toEqual([true]);
    const ids = w.rows().map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    await w.engine.stop();
  });
});

describe('decision engine: booth and presence readers', () => {
  it('a booth tap (counter mode) captures one lead per attendee; a repeat is journalled but not a new lead', async () => {
    const w = await up();
    w.send(BOOTH, tapMsg(frame(w, 1, HDR_TAP_S, 1), 1));
    w.send(BOOTH, tapMsg(frame(w, 1, HDR_TAP_S, 2), 1));
    await w.go(400);
    const leads = w.rows().filter((r) => r.kind === 'lead');
    expect(leads.map((r) => r.data)).toEqual([{ ref: REFS[1], exhibitor: 'ex-42' }]);
    expect(decisions(w, BOOTH).map((m) => [m[3], m[4]])).toEqual([
      [true, 0],
      [true, 0],
    ]);
    await w.engine.stop();
  });

  it('sightings resolve to refs, enter/leave presence, flag impossible journeys; unknown EphIDs keep their error', async () => {
    const w = await up();
    const k = badgeKeys[0] as { kId: Uint8Array };
    const adv = () => encodeAdvertisement(0xffff, ephId(nobleAes, k.kId, Math.floor(badgeTime(w) / 256)));
    w.send(ROOM_A, { 0: 16, 1: 0, 2: adv(), 3: -50, 4: 1 });
    await w.go(200);
    w.send(ROOM_B, { 0: 16, 1: 0, 2: adv(), 3: -50, 4: 2 });
    await w.go(200);
    w.send(ROOM_A, { 0: 16, 1: 0, 2: encodeAdvertisement(0xffff, new Uint8Array(16).fill(3)), 3: -60, 4: 3 });
    await w.go(300);
    const s = w.rows().filter((r) => r.kind === 'sighting');
    expect(s.map((r) => [r.data.ref, r.data.error ?? null])).toEqual([
      [REFS[0], null],
      [REFS[0], null],
      [null, 'E_BADGE_UNKNOWN'],
    ]);
    const alerts = w.rows().filter((r) => r.kind === 'alert');
    expect(alerts.map((r) => [r.data.alert, r.data.readers])).toEqual([
      ['relay-suspected', [ROOM_A, ROOM_B]],
    ]);
    // Past the presence timeout the 1-s duty closes the interval in room-b.
    await w.go(15_000);
    const p = w.rows().filter((r) => r.kind === 'presence');
    expect(p.map((r) => [r.data.presence, r.data.room])).toEqual([
      ['enter', 'room-a'],
      ['leave', 'room-a'],
      ['enter', 'room-b'],
      ['leave', 'room-b'],
    ]);
    // A whole slot later the windows have slid: the next EphID still resolves.
    await w.go(260_000);
    w.send(ROOM_A, { 0: 16, 1: 0, 2: adv(), 3: -50, 4: 4 });
    await w.go(200);
    expect(
      w
        .rows()
        .filter((r) => r.kind === 'sighting')
        .at(-1)?.data.ref,
    ).toBe(REFS[0]);
    await w.engine.stop();
  }, 20_000);
});

describe('badge enrolment from the key store', () => {
  it('refuses bad entries with typed errors that never echo the serial', () => {
    const w = world();
    const r = w.engine.resolverOf('acme');
    if (!r) throw new Error('no resolver');
    const errOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as { code: string; message: string };
      }
      throw new Error('expected a refusal');
    };
    const e1 = errOf(() => enrolBadges(r, keys, mkId, [{ ref: 'Jane Doe@x', serial: 'BW-9' }]));
    expect(e1.code).toBe('E_ENGINE_ENROL');
    const e2 = errOf(() => enrolBadges(r, keys, mkId, [{ ref: 'a-1', serial: 'bad serial!' }]));
    expect(e2.code).toBe('E_ENGINE_ENROL');
    expect(e2.message).not.toContain('bad serial!');
    const e3 = errOf(() => enrolBadges(r, keys, mkId, [{ ref: 'BW-77', serial: 'BW-77' }]));
    expect(e3.message).toContain('opaque');
    expect(enrolBadges(r, keys, mkId, [{ ref: 'a-2', serial: 'BW-0003' }])).toBe(1);
    expect(r.size).toBe(3);
  });
});

describe('decision engine: arbitrary reader input', () => {
  it('any frame or advertisement from a reader is journalled with a typed result, never a throw or an allow', async () => {
    const w = world();
    w.engine.bind({ takeChallenge: () => null, decide: () => true });
    let seq = 1;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ type: fc.constant(16 as const), adv: fc.uint8Array({ minLength: 1, maxLength: 31 }) }),
          fc.record({
            type: fc.constant(17 as const),
            frame: fc.oneof(
              fc.uint8Array({ minLength: 1, maxLength: 255 }),
              fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Uint8Array.from([0x12, ...b])),
              fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Uint8Array.from([0x13, ...b])),
            ),
            kind: fc.integer({ min: 0, max: 2 }),
            challengeId: fc.option(fc.nat(), { nil: undefined }),
          }),
        ),
        async (m) => {
          const s = seq++;
          const reader = m.type === 16 ? ROOM_A : s % 2 ? DOOR : BOOTH;
          const msg =
            m.type === 16
              ? { type: 16 as const, seq: s, adv: m.adv, rssi: -60, uptimeMs: 1 }
              : {
                  type: 17 as const,
                  seq: s,
                  frame: m.frame,
                  kind: m.kind,
                  challengeId: m.challengeId,
                  uptimeMs: 1,
                };
          await w.engine.handle({ readerId: reader, tenant: 'acme', seq: s, msg });
          const rows = w.journal.read(0, 100_000).filter((r) => r.id.startsWith(`${reader}:${s}`));
          const main = rows.find((r) => r.id === `${reader}:${s}`);
          expect(main?.data.ref).toBeNull();
          const result = (main?.data.result ?? main?.data.error) as string;
          expect(result).toMatch(/^E_[A-Z_]+$/);
          if (m.type === 17) expect(rows.find((r) => r.kind === 'decision')?.data.allow).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
    await w.engine.stop();
  }, 60_000);
});
