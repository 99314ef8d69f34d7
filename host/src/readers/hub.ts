/**
 * The reader registry: provisioning states, the key lookup for BW-SC, online/offline supervision, challenge
 * pools for door readers, decisions and rekeys. One ReaderSession per attached link.
 *
 * Provisioning (OSDP's install -> keyed -> enforced, without OSDP's public install key):
 *   unprovisioned  known, no key: its handshakes are refused (E_CH_UNKNOWN_READER).
 *   keyed          K_r written over USB by the provisioning tool; not yet proven on the link.
 *   enforced       the reader completed a handshake with K_r. From here the key changes only by an
 *                  authenticated REKEY, or by an explicit operator re-provisioning (`replace: true`).
 * Never silently re-keyed: `provision` on a keyed or enforced reader without `replace` throws E_KEY_STATE.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, HeartbeatMsg, Link, ReaderKeys } from '@badgewire/protocol';
import { toHex } from '@badgewire/protocol';
import type { ReaderInfo, ReaderLinkState, ReaderRegistry } from '../api/readers';
import { BadgewireError } from '../errors';
import { type PeerState, type ReaderEvent, ReaderSession } from './reader-session';

export type ProvisioningState = 'unprovisioned' | 'keyed' | 'enforced';

export interface ReaderRecord {
  /** 16 hex digits: the 8-byte reader id. */
  id: string;
  tenant: string;
  state: ProvisioningState;
  key: Uint8Array | null;
  /** The key before an unconfirmed rekey; kept for one handshake. */
  prev: Uint8Array | null;
  keyId: number;
  door: boolean;
  doorId?: string;
  recvDurable: number;
  nextSeq: number;
}

/** Where reader records live (keys included: the bridge backs this with the sealed key store). */
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
    if (old) return old;
    const r: ReaderRecord = {
      id,
      tenant,
      state: 'unprovisioned',
      key: null,
      prev: null,
      keyId: 0,
      door: opts.door ?? false,
      doorId: opts.doorId,
      recvDurable: 0,
      nextSeq: 1,
    };
    this.o.store.save(r);
    return r;
  }

  /** Records the K_r the provisioning tool wrote over USB. */
  provision(id: string, key: Uint8Array, opts: { replace?: boolean } = {}): void {
    const r = this.o.store.load(id);
    if (!r) throw new BadgewireError('E_KEY_UNKNOWN', 'register the reader before provisioning it', { id });
    if (key.length !== 32) throw new BadgewireError('E_KEY_INPUT', 'a reader key is 32 bytes');
    if (r.state !== 'unprovisioned' && !opts.replace)
      throw new BadgewireError('E_KEY_STATE', 'reader already keyed: re-provisioning needs replace', { id });
    r.key = new Uint8Array(key);
    r.prev = null;
    r.keyId++;
    r.state = 'keyed';
    this.o.store.save(r);
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
    });
    this.attached.add(s);
    link.onClose(() => this.attached.delete(s));
    return s;
  }

  lookup(rid: Uint8Array): ReaderKeys | null {
    const r = this.o.store.load(toHex(rid));
    if (!r || r.state === 'unprovisioned' || !r.key) return null;
    return { key: r.key, prev: r.prev };
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
    if (!r || r.state !== 'enforced' || !r.key || !l || !l.session.isUp()) return false;
    r.prev = r.key;
    r.key = new Uint8Array(randomBytes(32));
    r.keyId++;
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
    if (r.state === 'keyed') r.state = 'enforced';
    if (r.prev && !s.channel.peer?.usedPrev) r.prev = null; // the new key is proven: forget the old one
    this.o.store.save(r);
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
    if (r?.key && l) queueMicrotask(() => this.sendRekey(r, l));
  }

  private sendRekey(r: ReaderRecord, l: Live): void {
    if (!r.key || !l.session.isUp()) return;
    this.sent(r, l.session.send({ type: 25, seq: 0, key: r.key, keyId: r.keyId }, true));
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
