import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '@badgewire/protocol';
import { describe, expect, it } from 'vitest';
import { isBadgewireError } from '../src/errors';
import { KeyStore } from '../src/keys/index';
import { type HubEvent, MemoryReaderStore, ReaderHub } from '../src/readers/hub';
import { keyStoreKeyring } from '../src/readers/keyring';
import { linkPair, run, TestReader, VirtualClock } from './readers-world';

// The sealed key store is real (scrypt at its minimum cost); one per file keeps the suite fast.
const keys = KeyStore.create(join(mkdtempSync(join(tmpdir(), 'bw-readers-')), 'keys.sealed'), {
  passphrase: 'readers test passphrase',
});
let n = 0;

function world(opts: { door?: boolean; provision?: boolean; store?: (ev: HubEvent) => Promise<void> } = {}) {
  const clock = new VirtualClock();
  const store = new MemoryReaderStore();
  const journal: HubEvent[] = [];
  const faults: number[] = [];
  const id = `b0a1c2d3e4f506${(n++).toString(16).padStart(2, '0')}`;
  const hub = new ReaderHub({
    store,
    keyring: keyStoreKeyring(keys),
    clock,
    heartbeatMs: 1000,
    deadMs: 3000,
    onFault: (_id, code) => faults.push(code),
    onEvent:
      opts.store ??
      ((ev) => {
        journal.push(ev);
        return Promise.resolve();
      }),
  });
  hub.register(id, 'acme', { door: opts.door, doorId: 'door-1' });
  const key = opts.provision !== false ? hub.provision(id) : new Uint8Array(32).map((_, i) => i + 1);
  const [hostEnd, readerEnd] = linkPair();
  const reader = new TestReader(readerEnd, clock, fromHex(id), key);
  const session = hub.attach(hostEnd, 'sim');
  const go = (ms: number) => run(clock, [hostEnd, readerEnd], [reader], ms);
  return { id, clock, store, hub, reader, session, journal, faults, go, hostEnd, readerEnd };
}

describe('ReaderHub provisioning', () => {
  it('refuses an unprovisioned reader and never lets it online', async () => {
    const w = world({ provision: false });
    await w.go(3000);
    expect(w.hub.state(w.id)).toBe('offline');
    expect(w.faults).toContain(407);
    expect(w.hub.provisioning(w.id)).toBe('unprovisioned');
  });

  it('moves keyed -> enforced on the first proven handshake and refuses silent re-provisioning', async () => {
    const w = world();
    expect(w.hub.provisioning(w.id)).toBe('keyed');
    await w.go(2000);
    expect(w.hub.state(w.id)).toBe('online');
    expect(w.hub.provisioning(w.id)).toBe('enforced');
    let err: unknown;
    try {
      w.hub.provision(w.id);
    } catch (e) {
      err = e;
    }
    expect(isBadgewireError(err, 'E_KEY_STATE')).toBe(true);
    expect(w.hub.get('acme', w.id)?.state).toBe('online');
    expect(w.hub.get('other', w.id)).toBeUndefined();
  });
});

describe('ReaderSession events', () => {
  it('delivers events in order and acknowledges only after the journal write resolves', async () => {
    const held: (() => void)[] = [];
    const journal: number[] = [];
    const w = world({
      store: (ev) =>
        new Promise<void>((res) => {
          held.push(() => {
            journal.push(ev.seq);
            res();
          });
        }),
    });
    await w.go(2000);
    for (let i = 1; i <= 3; i++) w.reader.tap(i);
    await w.go(500);
    expect(held.length).toBe(1); // one write at a time, in order
    expect(w.reader.s.q.length).toBe(3); // nothing acknowledged yet
    for (let i = 0; i < 3; i++) {
      held.shift()?.();
      await w.go(200);
    }
    expect(journal).toEqual([1, 2, 3]);
    expect(w.reader.s.q.length).toBe(0);
    expect(w.store.load(w.id)?.recvDurable).toBe(3);
  });

  it('redelivers after a failed journal write, and stores each event exactly once', async () => {
    let fail = true;
    const journal: number[] = [];
    const w = world({
      store: (ev) => {
        if (ev.seq === 2 && fail) {
          fail = false;
          return Promise.reject(new Error('disk full'));
        }
        journal.push(ev.seq);
        return Promise.resolve();
      },
    });
    await w.go(2000);
    for (let i = 1; i <= 4; i++) w.reader.tap(i);
    await w.go(8000);
    expect(journal).toEqual([1, 2, 3, 4]);
    expect(w.reader.s.q.length).toBe(0);
  });

  it('supervises heartbeats: online, then not online after silence, offline once the link closes', async () => {
    const w = world();
    await w.go(2000);
    expect(w.hub.state(w.id)).toBe('online');
    await w.go(5000); // heartbeats keep it up
    expect(w.hub.state(w.id)).toBe('online');
    w.reader.silent = true;
    await w.go(4000);
    expect(w.hub.state(w.id)).toBe('connecting');
    expect(w.faults).toContain(422);
    w.hostEnd.close();
    await w.go(100);
    expect(w.hub.state(w.id)).toBe('offline');
    expect(w.hub.list('acme')[0]?.state).toBe('offline');
  });
});

describe('ReaderHub door readers', () => {
  it('fills the challenge pool on connect, consumes each challenge once, and sends decisions', async () => {
    const w = world({ door: true });
    await w.go(2000);
    const ch = w.reader.got.find((d) => d.type === 21);
    const list = ch?.msg[2] as Uint8Array[];
    expect(list.length).toBe(16);
    const first = ch?.msg[4] as number;
    expect(w.hub.takeChallenge(w.id, first)).toEqual(list[0]);
    expect(w.hub.takeChallenge(w.id, first)).toBeNull();
    for (let i = 1; i <= 8; i++) w.hub.takeChallenge(w.id, first + i);
    await w.go(500);
    expect(w.reader.got.filter((d) => d.type === 21).length).toBe(2); // refilled below half
    expect(w.hub.decide(w.id, { tapSeq: 1, allow: true, relayMs: 3000, led: 2, buzzer: 1, reason: 0 })).toBe(
      true,
    );
    await w.go(200);
    const dec = w.reader.got.find((d) => d.type === 18);
    expect(dec?.seq).toBe(0);
    expect(dec?.msg[3]).toBe(true);
  });
});

describe('ReaderHub rekey', () => {
  it('rekeys inside the session, keeps the old key for one handshake, then forgets it', async () => {
    const w = world();
    await w.go(2000);
    const before = keys.readerKeys(w.id);
    expect(before.map((k) => k.state)).toEqual(['active']);
    expect(w.hub.rekey(w.id)).toBe(true);
    const during = keys.readerKeys(w.id);
    expect(during.map((k) => k.state)).toEqual(['issued', 'rotating']); // the old key stays usable
    await w.go(1000);
    expect(w.reader.got.some((d) => d.type === 25)).toBe(true);
    expect(w.reader.ch.key).toEqual(during[0]?.key);
    w.session.channel.reset(); // force a new handshake
    await w.go(3000);
    expect(w.hub.state(w.id)).toBe('online');
    expect(keys.readerKeys(w.id).map((k) => k.state)).toEqual(['active']); // proven; the old one revoked
    expect(w.hub.rekey(w.id)).toBe(true); // and a further rotation is possible
  });

  it('resends REKEY when the reader proves only the previous key', async () => {
    const w = world();
    await w.go(2000);
    w.reader.applyRekeys = false;
    w.hub.rekey(w.id);
    await w.go(1000);
    w.reader.applyRekeys = true;
    w.session.channel.reset();
    await w.go(4000);
    expect(w.reader.got.filter((d) => d.type === 25).length).toBeGreaterThanOrEqual(2);
    expect(w.reader.ch.key).toEqual(keys.readerKeys(w.id)[0]?.key);
  });
});
