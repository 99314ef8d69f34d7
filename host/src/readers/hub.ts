/**
 * The reader registry: provisioning states, the key lookup for BW-SC, online/offline supervision, challenge
 * pools for door readers, decisions and rekeys. One ReaderSession per attached link.
 *
 * Provisioning (OSDP's install -> keyed -> enforced, without OSDP's public install key), read from the keyring:
 *   unprovisioned  no live key: its handshakes are refused (E_CH_UNKNOWN_READER).
 *   keyed          a key was issued (host CSPRNG) and written over USB; not yet proven on the link.
 *   enforced       the reader completed a handshake with its key (active). From here the key changes only by
 *                  an authenticated REKEY: `provision` refuses (E_KEY_STATE), so nothing re-keys silently.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, HeartbeatMsg, Link, ReaderKeys } from '@badgewire/protocol';
import { toHex } from '@badgewire/protocol';
import type { ReaderInfo, ReaderLinkState, ReaderRegistry } from '../api/readers';
import { BadgewireError } from '../errors';
import type { ReaderKey, ReaderKeyring } from './keyring';
import { type PeerState, type ReaderEvent, ReaderSession } from './reader-session';

export type ProvisioningState = 'unprovisioned' | 'keyed' | 'enforced';

/** What the hub keeps per reader besides its keys (which live in the keyring). */
export interface ReaderRecord {
  /** 16 hex digits: the 8-byte reader id. */
  id: string;
  tenant: string;
  /** Counts REKEYs sent (the REKEY message's keyId). */
  keyGen: number;
  door: boolean;
  doorId?: string;
  recvDurable: number;
  nextSeq: number;
}

/** Where reader records live. */
export interface ReaderStore {
  load(id: string): ReaderRecord | undefined;
  save(r: ReaderRecord): void;
  all(): ReaderRecord[];
}

export class MemoryReaderStore implements ReaderStore {
  private readonly m = new Map<string, ReaderRecord>();
  load(id: string): ReaderRecord | undefined {
    return this.m.get(id);
  }
  save(r: ReaderRecord): void {
    this.m.set(r.id, r);
  }
  all(): ReaderRecord[] {
    return [...this.m.values()];
  }
}

export type HubEvent = ReaderEvent & { tenant: string };

export interface HubOptions {
  store: ReaderStore;
  keyring: ReaderKeyring;
  clock: Clock;
  /** Resolves after the journal write; the ACK to the reader follows. */
  onEvent(ev: HubEvent): Promise<void>;
  /** Challenges per batch sent to a door reader, and their lifetime. */
  poolSize?: number;
  challengeTtlS?: number;
  heartbeatMs?: number;
  deadMs?: number;
  /** Called on typed link faults (codes only), for metrics. */
  onFault?(readerId: string | null, code: number): void;
  /**
   * Store each turn's events together and ACK them once (ReaderSession `groupCommit`). Only for an `onEvent`
   * that is idempotent per reader and seq (the bridge's engine and journal): off, events go one at a time.
   */
  groupCommit?: boolean;
}

interface Challenge {
  bytes: Uint8Array;
  expires: number;
}

interface Live {
  session: ReaderSession;
  transport: ReaderInfo['transport'];
  health: ReaderInfo['health'];
  pool: Map<number, Challenge>;
  nextChallengeId: number;
}

const ID_RE = /^[0-9a-f]{16}$/;

export class ReaderHub implements ReaderRegistry {
  private readonly o: HubOptions;
  private readonly live = new Map<string, Live>();
  private readonly attached = new Set<ReaderSession>();

  constructor(o: HubOptions) {
    this.o = o;
  }

  register(id: string, tenant: string, opts: { door?: boolean; doorId?: string } = {}): ReaderRecord {
    if (!ID_RE.test(id)) throw new BadgewireError('E_KEY_INPUT', 'reader id must be 16 lowercase hex digits');
    const old = this.o.store.load(id);
    if (old) {
      // A persisted reader keeps its session positions; its tenant and door follow the current config.
      const door = opts.door ?? false;
      if (old.tenant !== tenant || old.door !== door || old.doorId !== opts.doorId) {
        old.tenant = tenant;
        old.door = door;
        if (opts.doorId === undefined) delete old.doorId;
        else old.doorId = opts.doorId;
        this.o.store.save(old);
      }
      return old;
    }
    const r: ReaderRecord = {
      id,
      tenant,
      keyGen: 0,
      door: opts.door ?? false,
      recvDurable: 0,
      nextSeq: 1,
    };
    if (opts.doorId !== undefined) r.doorId = opts.doorId;
    this.o.store.save(r);
    return r;
  }

  /**
   * Issues a reader's first K_r and returns the bytes for the provisioning tool to write over USB. Refuses
   * (E_KEY_STATE) when the reader already has a live key: a key changes only by an authenticated REKEY.
   */
  provision(id: string): Uint8Array {
    if (!this.o.store.load(id))
      throw new BadgewireError('E_KEY_UNKNOWN', 'register the reader before provisioning it', { id });
    if (this.provisioning(id) !== 'unprovisioned')
      throw new BadgewireError(
        'E_KEY_STATE',
        'reader already keyed: it can only be rekeyed over its session',
        {
          id,
        },
      );
    return this.o.keyring.create(id).key;
  }

  provisioning(id: string): ProvisioningState {
    const ks = this.o.keyring.keys(id);
    if (ks.length === 0) return 'unprovisioned';
    return ks.some((k) => k.state === 'active' || k.state === 'rotating') ? 'enforced' : 'keyed';
  }

  /** Wraps a link (serial port, BLE connection, simulator) in a reader session. */
  attach(link: Link, transport: ReaderInfo['transport']): ReaderSession {
    const s: ReaderSession = new ReaderSession({
      link,
      clock: this.o.clock,
      heartbeatMs: this.o.heartbeatMs,
      deadMs: this.o.deadMs,
      lookup: (rid) => this.lookup(rid),
      peerState: (id) => this.peerState(id),
      onEvent: (ev) => this.event(ev),
      onUp: (x) => this.up(x, transport),
      onDown: (x) => this.down(x),
      onHeartbeat: (x, hb) => this.heartbeat(x, hb),
      onDurable: (x, seq) => this.durable(x, seq),
      onPrevKey: (x) => this.prevKey(x),
      onFault: (x, f) => this.o.onFault?.(x.readerId, f.code),
      groupCommit: this.o.groupCommit ?? false,
    });
    this.attached.add(s);
    link.onClose(() => this.attached.delete(s));
    return s;
  }

  lookup(rid: Uint8Array): ReaderKeys | null {
    const id = toHex(rid);
    if (!this.o.store.load(id)) return null;
    const cur = this.current(id);
    if (!cur) return null;
    const prev = this.o.keyring.keys(id).find((k) => k.state === 'rotating');
    return { key: cur.key, prev: prev ? prev.key : null };
  }

  private current(id: string): ReaderKey | undefined {
    return this.o.keyring.keys(id).find((k) => k.state === 'issued' || k.state === 'active');
  }

  /** Sends a door decision back over the reader's authenticated session. */
  decide(
    id: string,
    d: { tapSeq: number; allow: boolean; relayMs: number; led: number; buzzer: number; reason: number },
  ): boolean {
    const l = this.live.get(id);
    return l ? l.session.decide(d) : false;
  }

  /** Starts a rekey: the new key is stored before it is sent; the old one is kept for one handshake. */
  rekey(id: string): boolean {
    const r = this.o.store.load(id);
    const l = this.live.get(id);
    if (!r || this.provisioning(id) !== 'enforced' || !l || !l.session.isUp()) return false;
    this.o.keyring.rotate(id); // stored (sealed) before it is sent
    r.keyGen++;
    this.o.store.save(r);
    this.sendRekey(r, l);
    return true;
  }

  /** Consumes a challenge a door reader handed to a badge; null if unknown, used or expired. */
  takeChallenge(id: string, challengeId: number): Uint8Array | null {
    const l = this.live.get(id);
    const c = l?.pool.get(challengeId);
    if (!l || !c) return null;
    l.pool.delete(challengeId);
    if (c.expires <= this.o.clock.epoch()) return null;
    if (this.poolLeft(l) < (this.o.poolSize ?? 16) / 2) this.sendChallenges(id, l);
    return c.bytes;
  }

  list(tenant: string): ReaderInfo[] {
    return this.o.store
      .all()
      .filter((r) => r.tenant === tenant)
      .map((r) => this.info(r));
  }

  get(tenant: string, id: string): ReaderInfo | undefined {
    const r = this.o.store.load(id);
    return r && r.tenant === tenant ? this.info(r) : undefined;
  }

  state(id: string): ReaderLinkState {
    const l = this.live.get(id);
    if (!l) return 'offline';
    return l.session.isUp() ? 'online' : 'connecting';
  }

  close(): void {
    for (const s of this.attached) s.close();
  }

  private info(r: ReaderRecord): ReaderInfo {
    const l = this.live.get(r.id);
    return {
      id: r.id,
      transport: l?.transport ?? 'serial',
      state: this.state(r.id),
      lastSeen: l && l.session.lastSeen > 0 ? l.session.lastSeen : undefined,
      doorId: r.doorId,
      health: { ...(l?.health ?? {}), linkErrors: l?.session.linkErrors },
    };
  }

  private peerState(id: string): PeerState {
    const r = this.o.store.load(id);
    return { recvDurable: r?.recvDurable ?? 0, nextSeq: r?.nextSeq ?? 1 };
  }

  private event(ev: ReaderEvent): Promise<void> {
    const r = this.o.store.load(ev.readerId);
    if (!r) return Promise.reject(new BadgewireError('E_KEY_UNKNOWN', 'event from an unregistered reader'));
    return this.o.onEvent({ ...ev, tenant: r.tenant });
  }

  private up(s: ReaderSession, transport: ReaderInfo['transport']): void {
    const id = s.readerId;
    const r = id ? this.o.store.load(id) : undefined;
    if (!id || !r) return;
    const old = this.live.get(id);
    if (old && old.session !== s) old.session.close(); // the same reader on a new link replaces the old one
    const l: Live =
      old?.session === s ? old : { session: s, transport, health: {}, pool: new Map(), nextChallengeId: 1 };
    this.live.set(id, l);
    const cur = this.current(id);
    // The current key is proven: it becomes active and a rotating previous key is revoked.
    if (cur && !s.channel.peer?.usedPrev && cur.state === 'issued') this.o.keyring.activate(cur.id);
    if (r.door) this.sendChallenges(id, l);
  }

  private down(s: ReaderSession): void {
    const id = s.readerId;
    const l = id ? this.live.get(id) : undefined;
    if (id && l && l.session === s && s.closed) this.live.delete(id);
  }

  private heartbeat(s: ReaderSession, hb: HeartbeatMsg): void {
    const l = s.readerId ? this.live.get(s.readerId) : undefined;
    if (!l) return;
    if (hb.fw !== undefined) l.health.firmware = hb.fw;
    if (hb.tamper !== undefined) l.health.tamper = hb.tamper;
  }

  private durable(s: ReaderSession, seq: number): void {
    const r = s.readerId ? this.o.store.load(s.readerId) : undefined;
    if (!r || seq <= r.recvDurable) return;
    r.recvDurable = seq;
    this.o.store.save(r);
  }

  private prevKey(s: ReaderSession): void {
    const r = s.readerId ? this.o.store.load(s.readerId) : undefined;
    const l = s.readerId ? this.live.get(s.readerId) : undefined;
    // The reader never stored the REKEY: send it again once this session is up.
    if (r && l) queueMicrotask(() => this.sendRekey(r, l));
  }

  private sendRekey(r: ReaderRecord, l: Live): void {
    const cur = this.current(r.id);
    if (!cur || !l.session.isUp()) return;
    this.sent(r, l.session.send({ type: 25, seq: 0, key: cur.key, keyId: r.keyGen }, true));
  }

  private poolLeft(l: Live): number {
    const now = this.o.clock.epoch();
    let n = 0;
    for (const c of l.pool.values()) if (c.expires > now) n++;
    return n;
  }

  private sendChallenges(id: string, l: Live): void {
    const r = this.o.store.load(id);
    if (!r || !l.session.isUp()) return;
    const n = this.o.poolSize ?? 16;
    const ttlS = this.o.challengeTtlS ?? 60;
    const list: Uint8Array[] = [];
    const firstId = l.nextChallengeId;
    const expires = this.o.clock.epoch() + ttlS;
    for (let i = 0; i < n; i++) {
      const b = new Uint8Array(randomBytes(8));
      list.push(b);
      l.pool.set(firstId + i, { bytes: b, expires });
    }
    l.nextChallengeId += n;
    this.sent(r, l.session.send({ type: 21, seq: 0, list, ttlS, firstId }, true));
  }

  private sent(r: ReaderRecord, seq: number): void {
    if (seq >= r.nextSeq) {
      r.nextSeq = seq + 1;
      this.o.store.save(r);
    }
  }
}
