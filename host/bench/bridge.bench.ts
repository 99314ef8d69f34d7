/**
 * The whole bridge path: reader sessions (BW-SC, reliable session) -> ReaderHub -> decision engine (resolver,
 * policy, leads) -> durable SQLite journal (WAL + synchronous=FULL) -> ACK / DECISION.
 *
 * 1. Throughput over in-memory links: sightings/s and taps/s (counter-mode taps at booth readers, each a lead
 *    capture) against the same hub and journal with no engine (each event journalled raw, as the bridge did
 *    before the engine): the engine's cost in the same run.
 * 2. Decision latency through a real pty (socat) at 115 200 baud: challenge-response taps at a door reader, the
 *    host side measured from the TAP entering the engine to the DECISION handed to the session (journal write
 *    included), and the reader's round trip TAP -> DECISION over the wire; baseline: one durable journal
 *    append alone, same run, same disk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CborMap,
  type Clock,
  deriveBadgeKeys,
  encodeAdvertisement,
  encodeTap,
  ephId,
  fromHex,
  HDR_TAP_C,
  HDR_TAP_S,
  type Link,
  nobleAes,
} from '@badgewire/protocol';
import { openPtyLink, openTempPtyPair } from '@badgewire/simulator';
import { report } from '../../protocol/bench/report';
import { AccessPolicy } from '../src/access/index';
import { DecisionEngine } from '../src/engine/index';
import { TenantStores } from '../src/journal/index';
import { KeyStore } from '../src/keys/index';
import { type HubEvent, keyStoreKeyring, MemoryReaderStore, ReaderHub } from '../src/readers/index';
import { openSerialLink, systemClock } from '../src/transport/index';
import { linkPair, TestReader, VirtualClock } from '../test/readers-world';

const dir = mkdtempSync(join(tmpdir(), 'bw-bridge-bench-'));
const keys = KeyStore.create(join(dir, 'keys.sealed'), { passphrase: 'bridge bench passphrase' });
const mkId = keys.createMasterKey('event').id;
const BADGES = 2000;
const serials = Array.from({ length: BADGES }, (_, i) => `BW-${i}`);
const refs = serials.map((_, i) => `att-${i}`);
const badge = serials.map((s) =>
  deriveBadgeKeys(nobleAes, keys.masterKey(mkId), new TextEncoder().encode(s)),
);
let worlds = 0;

function pipeline(
  clock: Clock,
  readerIds: string[],
  roles: 'door' | 'lead' | 'presence',
  withEngine: boolean,
  groupCommit = false,
) {
  const stores = new TenantStores({ dataDir: join(dir, `w${worlds++}`), keys, windowMs: 1, maxBatch: 512 });
  const journal = stores.get('acme').journal;
  const policy = new AccessPolicy({
    doors: [{ id: 'main', zone: 'hall', mode: 'both' }],
    antiPassback: 'off',
  });
  for (const r of refs) policy.setEntitlement(r, { zones: ['hall'] });
  const engine = new DecisionEngine({
    clock,
    stores,
    policies: new Map([['acme', policy]]),
    readers: readerIds.map((id) => ({ id, tenant: 'acme', role: roles, door: 'main' })),
    enrolment: new Map([
      [
        'acme',
        { keys, masterKeyId: mkId, badges: serials.map((serial, i) => ({ serial, ref: refs[i] as string })) },
      ],
    ]),
  });
  const raw = async (ev: HubEvent) => {
    await journal.append({
      id: `${ev.readerId}:${ev.seq}`,
      kind: 'sighting',
      readerId: ev.readerId,
      at: Date.now(),
      data: { raw: true },
    });
  };
  const hub = new ReaderHub({
    store: new MemoryReaderStore(),
    keyring: keyStoreKeyring(keys),
    clock,
    onEvent: withEngine ? (ev) => engine.handle(ev) : raw,
    groupCommit,
  });
  engine.bind(hub);
  const keyOf = (id: string) => {
    hub.register(id, 'acme', roles === 'door' ? { door: true, doorId: 'main' } : {});
    return keys.readerKeys(id)[0]?.key ?? hub.provision(id);
  };
  return { stores, journal, engine, hub, keyOf };
}

/**
 * Events per second through hub (+ engine) + journal, 8 readers on in-memory links, until all are ACKed.
 * `group`: the sessions store each turn's events together and ACK them once (HubOptions.groupCommit, on in the
 * bridge).
 */
async function throughput(
  kind: 'sighting' | 'tap',
  withEngine: boolean,
  perReader: number,
  group = false,
): Promise<number> {
  const clock = new VirtualClock();
  clock.t = 1000;
  const ids = Array.from(
    { length: 8 },
    (_, i) => `be0c${kind === 'tap' ? 'a' : 'b'}${withEngine ? 1 : 0}000000000${i}`,
  );
  const p = pipeline(clock, ids, kind === 'tap' ? 'lead' : 'presence', withEngine, group);
  const ends: ReturnType<typeof linkPair>[number][] = [];
  const readers = ids.map((id) => {
    const [h, r] = linkPair();
    ends.push(h, r);
    const reader = new TestReader(r, clock, fromHex(id), p.keyOf(id));
    p.hub.attach(h, 'serial');
    return { reader, acked: 0 };
  });
  const pump = async () => {
    for (let k = 0; k < 20; k++) {
      let moved = 0;
      for (const e of ends) moved += e.pump();
      await new Promise((r) => setImmediate(r));
      if (moved === 0) return;
    }
  };
  // The host's cumulative ACKs, as the reader's session reports them.
  for (const x of readers) {
    const apply = x.reader.apply.bind(x.reader);
    x.reader.apply = (o) => {
      if (o.acked > x.acked) x.acked = o.acked;
      apply(o);
    };
  }
  while (!readers.every((x) => x.reader.ch.isUp())) {
    await pump();
    clock.t += 20;
    clock.fire();
    for (const x of readers) x.reader.tick();
  }
  const nowS = clock.epoch();
  const slot = Math.floor(nowS / 256);
  const msgs = (i: number, n: number): CborMap => {
    const b = (i * 7919 + n) % BADGES;
    const k = badge[b] as { kId: Uint8Array; kTap: Uint8Array };
    if (kind === 'sighting')
      return { 0: 16, 1: 0, 2: encodeAdvertisement(0xffff, ephId(nobleAes, k.kId, slot)), 3: -60, 4: n };
    return {
      0: 17,
      1: 0,
      2: encodeTap(nobleAes, k.kTap, ephId(nobleAes, k.kId, slot), HDR_TAP_S, n + 1, nowS, new Uint8Array(8)),
      3: 1,
      5: n,
    };
  };
  // Frames are built before the clock starts: the figure is the bridge's, not the badge emulation's.
  const plan = readers.map((_, i) =>
    Array.from({ length: perReader }, (__, n) => msgs(i, i * perReader + n)),
  );
  const before = p.journal.lastPos();
  const t0 = performance.now();
  const sent = readers.map(() => 0);
  const total = readers.length * perReader;
  for (;;) {
    for (const [i, x] of readers.entries()) {
      // Keep each reader's session window busy (it holds at most a window of unacknowledged events).
      while ((sent[i] as number) < perReader && (sent[i] as number) - x.acked < 16) {
        x.reader.apply(
          x.reader.s.send((plan[i] as CborMap[])[sent[i] as number] as CborMap, true, clock.now()),
        );
        sent[i] = (sent[i] as number) + 1;
      }
    }
    await pump();
    clock.t += 1;
    clock.fire();
    for (const x of readers) x.reader.tick();
    if (readers.every((x) => x.acked >= perReader)) break;
  }
  const s = (performance.now() - t0) / 1000;
  const rows = p.journal.lastPos() - before;
  if (rows < total) throw new Error(`bench lost events: ${rows} rows for ${total}`);
  p.hub.close();
  await p.stores.closeAll();
  return total / s;
}

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
}

/** TAP -> DECISION latency with the reader on a real pty (socat) at 115 200 baud. */
async function ptyLatency(taps: number) {
  const pty = await openTempPtyPair();
  const id = 'be0cdd0000000001';
  const p = pipeline(systemClock, [id], 'door', true);
  const host = await openSerialLink({ path: pty.a, baudRate: 115200 });
  const dev = await openPtyLink(pty.b);
  const hostSide: number[] = [];
  const handle = p.engine.handle.bind(p.engine);
  const started = new Map<string, number>();
  const hub = new ReaderHub({
    store: new MemoryReaderStore(),
    keyring: keyStoreKeyring(keys),
    clock: systemClock,
    onEvent: (ev) => {
      started.set(`${ev.seq}`, performance.now());
      return handle(ev);
    },
    groupCommit: true, // as the bridge runs its hub
  });
  hub.register(id, 'acme', { door: true, doorId: 'main' });
  const key = keys.readerKeys(id)[0]?.key ?? hub.provision(id);
  p.engine.bind({
    takeChallenge: (r, c) => hub.takeChallenge(r, c),
    decide: (r, d) => {
      const t = started.get(`${d.tapSeq}`);
      if (t !== undefined) hostSide.push(performance.now() - t);
      return hub.decide(r, d);
    },
  });
  const rclock = { now: () => performance.now() } as unknown as VirtualClock;
  const reader = new TestReader(dev as unknown as ReturnType<typeof linkPair>[1], rclock, fromHex(id), key);
  const roundTrip: number[] = [];
  const tick = setInterval(() => reader.tick(), 5);
  hub.attach(host as Link, 'serial');
  const wait = async (f: () => boolean, what: string) => {
    const until = Date.now() + 15_000;
    while (!f()) {
      if (Date.now() > until) throw new Error(`bench: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  await wait(() => reader.got.some((d) => d.type === 21), 'the challenge pool');
  let used = 0;
  for (let n = 0; n < taps; n++) {
    const pool: { id: number; bytes: Uint8Array }[] = [];
    for (const d of reader.got.filter((x) => x.type === 21))
      for (const [i, bytes] of (d.msg[2] as Uint8Array[]).entries())
        pool.push({ id: (d.msg[4] as number) + i, bytes });
    const c = pool[used++] as { id: number; bytes: Uint8Array };
    const k = badge[n % BADGES] as { kId: Uint8Array; kTap: Uint8Array };
    const t = Math.floor(Date.now() / 1000);
    const frame = encodeTap(
      nobleAes,
      k.kTap,
      ephId(nobleAes, k.kId, Math.floor(t / 256)),
      HDR_TAP_C,
      n + 1,
      t,
      c.bytes,
    );
    const decided = reader.got.filter((d) => d.type === 18).length;
    const t0 = performance.now();
    const out = reader.s.send({ 0: 17, 1: 0, 2: frame, 3: 0, 4: c.id, 5: n }, true, performance.now());
    reader.apply(out);
    await wait(() => reader.got.filter((d) => d.type === 18).length > decided, 'a decision');
    roundTrip.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 5));
  }
  const granted = reader.got.filter((d) => d.type === 18 && d.msg[3] === true).length;
  if (granted !== taps) throw new Error(`bench: ${granted}/${taps} taps granted`);
  // Baseline: one durable append alone, same disk, same run.
  const base: number[] = [];
  for (let n = 0; n < taps; n++) {
    const t0 = performance.now();
    await p.journal.append({
      id: `base:${n}`,
      kind: 'tap',
      readerId: id,
      at: Date.now(),
      data: { ref: 'x' },
    });
    base.push(performance.now() - t0);
  }
  clearInterval(tick);
  hub.close();
  dev.close();
  await p.stores.closeAll();
  await pty.dispose();
  return { hostSide, roundTrip, base };
}

async function main(): Promise<void> {
  // Warm-up (JIT, SQLite page cache), then the measured rounds, engine and baseline interleaved.
  await throughput('sighting', true, 100);
  await throughput('sighting', false, 100);
  const best = async (k: 'sighting' | 'tap', e: boolean, g = false) =>
    Math.max(await throughput(k, e, 500, g), await throughput(k, e, 500, g));
  const sight = await best('sighting', true);
  const sightBase = await best('sighting', false);
  const tap = await best('tap', true);
  const tapBase = await best('tap', false);
  const sightGroup = await best('sighting', true, true);
  const tapGroup = await best('tap', true, true);
  const lat = await ptyLatency(200);
  report('Bridge: hub + decision engine + durable journal', [
    {
      name: 'sightings/s (8 presence readers, in-memory links; + presence rows)',
      value: sight,
      unit: 'events/s',
      baseline: { name: 'hub+journal, no engine', value: sightBase },
    },
    {
      name: 'taps/s (mode S lead capture; tap + lead + decision rows)',
      value: tap,
      unit: 'events/s',
      baseline: { name: 'hub+journal, no engine', value: tapBase },
    },
    {
      name: 'sightings/s, sessions in group commit (one journal txn + one ACK per turn)',
      value: sightGroup,
      unit: 'events/s',
      baseline: { name: 'one event at a time per reader', value: sight },
    },
    {
      name: 'taps/s, sessions in group commit',
      value: tapGroup,
      unit: 'events/s',
      baseline: { name: 'one event at a time per reader', value: tap },
    },
    {
      name: 'TAP->DECISION host-side p50 (pty 115200)',
      value: pct(lat.hostSide, 0.5),
      unit: 'ms',
      baseline: { name: 'durable append p50', value: pct(lat.base, 0.5) },
    },
    {
      name: 'TAP->DECISION host-side p99 (pty 115200)',
      value: pct(lat.hostSide, 0.99),
      unit: 'ms',
      baseline: { name: 'durable append p99', value: pct(lat.base, 0.99) },
      target: '<= 50',
    },
    { name: 'TAP->DECISION reader round trip p50', value: pct(lat.roundTrip, 0.5), unit: 'ms' },
    { name: 'TAP->DECISION reader round trip p99', value: pct(lat.roundTrip, 0.99), unit: 'ms' },
  ]);
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
