/**
 * One reader link on the host: Link -> Deframer -> BW-SC host role -> LinkSession -> typed messages, and back.
 * The protocol pieces are sans-I/O; this class is their I/O edge: it feeds bytes in, writes frames out and
 * keeps one timer armed at the session's `wakeAt`.
 *
 * Events (SIGHTING, TAP) go upward only through `onEvent`, whose promise resolves after the journal write;
 * only then is the seq reported durable and the ACK sent, so the cumulative ACK never covers an event whose
 * write is still pending or failed; a failed write rewinds the session so the reader's resend is delivered
 * again. By default events are stored one at a time in order. With `groupCommit` on (for an `onEvent` that is
 * idempotent per reader and seq, as the engine and the journal are), the events delivered within one turn go
 * up together, so their rows share one journal transaction, and one cumulative ACK covers the batch.
 */
import {
  type CborMap,
  type Clock,
  type DecisionMsg,
  Deframer,
  type Delivery,
  encodeFrame,
  type Fail,
  fastAes,
  fastRecordCipher,
  type HeartbeatMsg,
  HostChannel,
  type Link,
  LinkSession,
  type Message,
  MSG_ERROR,
  MSG_HEARTBEAT,
  MSG_SIGHTING,
  MSG_TAP,
  messageFromCbor,
  messageToCbor,
  type Random,
  type ReaderKeys,
  SCHEMA,
  type SessionOut,
  type SightingMsg,
  secureRandom,
  type TapMsg,
  toHex,
} from '@badgewire/protocol';

export interface ReaderEvent {
  /** Hex of the 8-byte reader id proven in the handshake. */
  readerId: string;
  seq: number;
  msg: SightingMsg | TapMsg;
}

export interface PeerState {
  recvDurable: number;
  nextSeq: number;
}

export interface ReaderSessionOptions {
  link: Link;
  clock: Clock;
  lookup(readerId: Uint8Array): ReaderKeys | null;
  /** Resolves after the event is durably journaled; rejects if it could not be. */
  onEvent(ev: ReaderEvent): Promise<void>;
  /** Persisted per-reader state (host's view of the reader's seq, and its own next seq to the reader). */
  peerState(readerId: string): PeerState;
  onUp?(s: ReaderSession): void;
  onDown?(s: ReaderSession): void;
  onHeartbeat?(s: ReaderSession, hb: HeartbeatMsg): void;
  /** Typed faults (channel, session, framing), for metrics. Codes only: never payload or key bytes. */
  onFault?(s: ReaderSession, f: Fail): void;
  /** A durable seq was acknowledged to the reader (persist it as the reader's recvDurable). */
  onDurable?(s: ReaderSession, seq: number): void;
  /** The reader proved its previous key: a rekey has not taken effect. */
  onPrevKey?(s: ReaderSession): void;
  /** Hand each turn's events to `onEvent` together and ACK them once (see `groupCommit`). */
  groupCommit?: boolean;
  random?: Random;
  heartbeatMs?: number;
  deadMs?: number;
}

const KNOWN = Object.keys(SCHEMA).map(Number);

export class ReaderSession {
  readonly channel: HostChannel;
  readonly session: LinkSession;
  readerId: string | null = null;
  lastSeen = 0;
  linkErrors = 0;
  closed = false;
  private readonly o: ReaderSessionOptions;
  private readonly deframer: Deframer;
  private timer = -1;
  private pending: Uint8Array[] = [];
  private storing: Promise<void> = Promise.resolve();
  private served: string | null = null;
  /** Bumped when a write fails: events delivered before the rewind are dropped and come again in order. */
  private epoch = 0;
  /**
   * Events delivered in this turn, stored together once the turn's synchronous work is done. Only for an
   * idempotent `onEvent`: after a failed write, events of the batch stored behind the failure are delivered
   * (and handed up) again.
   */
  groupCommit: boolean;
  private batch: ReaderEvent[] = [];
  /** The last message the schema check parsed, so its delivery is not parsed a second time. */
  private checkedRaw: CborMap | null = null;
  private checked: Message | null = null;

  constructor(o: ReaderSessionOptions) {
    this.o = o;
    this.groupCommit = o.groupCommit ?? false;
    this.channel = new HostChannel(fastAes, o.random ?? secureRandom, {
      lookup: o.lookup,
      records: fastRecordCipher,
    });
    this.session = new LinkSession(
      {
        isUp: () => this.channel.isUp(),
        receive: (b, now) => this.channel.receive(b, now),
        seal: (b, now) => this.channel.seal(b, now),
        reset: () => this.channel.reset(),
        kick: () => this.channel.kick(),
        renewDue: (now) => this.channel.renewDue(now),
      },
      {
        initiator: true,
        known: KNOWN,
        check: (m) => this.check(m),
        peer: () => this.adoptPeer(),
        heartbeatMs: o.heartbeatMs,
        deadMs: o.deadMs,
      },
    );
    this.deframer = new Deframer(
      (payload) => this.apply(this.session.receive(payload, this.o.clock.now())),
      (f) => this.fault(f),
    );
    o.link.onData((chunk) => {
      if (!this.closed) this.deframer.push(chunk);
    });
    o.link.onClose(() => this.close());
    this.apply(this.session.tick(o.clock.now()));
  }

  isUp(): boolean {
    return this.channel.isUp();
  }

  /** Sends an application message; reliable ones are numbered, resent until stored, and survive reconnects. */
  send(msg: Message, reliable: boolean): number {
    const out = this.session.send(messageToCbor(msg), reliable, this.o.clock.now());
    this.apply(out);
    return out.seq;
  }

  /** A door decision: unsequenced, so it is never replayed late after a reconnect. */
  decide(d: Omit<DecisionMsg, 'type' | 'seq'>): boolean {
    if (!this.isUp()) return false;
    this.send({ type: 18, seq: 0, ...d }, false);
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer >= 0) this.o.clock.clearTimer(this.timer);
    this.timer = -1;
    this.session.linkDown(this.o.clock.now());
    this.channel.reset();
    this.o.onDown?.(this); // also when it was not up: the hub forgets a closed link either way
    this.o.link.close();
  }

  private adoptPeer(): PeerState | null {
    const peer = this.channel.peer;
    if (!peer) return null;
    const id = toHex(peer.readerId);
    this.readerId = id;
    if (peer.usedPrev) this.o.onPrevKey?.(this);
    if (this.served === id) return null;
    this.served = id;
    return this.o.peerState(id);
  }

  private check(m: CborMap): number {
    const r = messageFromCbor(m);
    this.checkedRaw = r.ok ? m : null;
    this.checked = r.ok ? r.value : null;
    return r.ok ? 0 : r.code;
  }

  private fault(f: Fail): void {
    this.linkErrors++;
    this.o.onFault?.(this, f);
  }

  private apply(out: SessionOut): void {
    if (this.closed) return;
    for (const f of out.faults) this.fault(f);
    for (const p of out.send) this.pending.push(encodeFrame(p));
    this.flush();
    if (out.up) this.o.onUp?.(this);
    if (out.down) this.o.onDown?.(this);
    for (const d of out.deliver) this.deliver(d);
    this.arm(out.wakeAt);
  }

  private flush(): void {
    while (this.pending.length > 0) {
      const r = this.o.link.write(this.pending[0] as Uint8Array);
      if (r === 0) return; // busy: the next tick retries the same bytes
      if (r < 0) {
        this.pending = [];
        this.close();
        return;
      }
      this.pending.shift();
    }
  }

  private arm(at: number): void {
    if (this.timer >= 0) this.o.clock.clearTimer(this.timer);
    const now = this.o.clock.now();
    const ms = this.pending.length > 0 ? 10 : Math.max(1, at - now);
    this.timer = this.o.clock.setTimer(ms, () => {
      this.timer = -1;
      if (!this.closed) this.apply(this.session.tick(this.o.clock.now()));
    });
  }

  private deliver(d: Delivery): void {
    this.lastSeen = this.o.clock.now();
    let msg: Message;
    if (d.msg === this.checkedRaw && this.checked !== null) msg = this.checked;
    else {
      const m = messageFromCbor(d.msg);
      if (!m.ok) return; // the session already answered ERROR for schema faults
      msg = m.value;
    }
    this.checkedRaw = null;
    this.checked = null;
    if (msg.type === MSG_HEARTBEAT) this.o.onHeartbeat?.(this, msg);
    if (msg.type === MSG_ERROR) this.fault({ ok: false, code: msg.code, at: -1 });
    if ((msg.type !== MSG_SIGHTING && msg.type !== MSG_TAP) || d.seq === 0 || this.readerId === null) return;
    const ev: ReaderEvent = { readerId: this.readerId, seq: d.seq, msg };
    if (this.groupCommit) {
      this.batch.push(ev);
      if (this.batch.length === 1) queueMicrotask(() => this.storeBatch());
      return;
    }
    const ep = this.epoch;
    this.storing = this.storing.then(() => {
      if (ep !== this.epoch || this.closed) return;
      return this.o.onEvent(ev).then(
        () => {
          if (this.closed) return;
          this.o.onDurable?.(this, d.seq);
          this.apply(this.session.durable(d.seq, this.o.clock.now()));
        },
        () => {
          this.epoch++;
          if (!this.closed) this.apply(this.session.rewind(this.o.clock.now()));
        },
      );
    });
  }

  /**
   * Stores the turn's events together (after the batches before it), then acknowledges the longest prefix
   * that was stored: one ACK for the batch. A failed write rewinds to that prefix; the reader resends the rest.
   */
  private storeBatch(): void {
    const evs = this.batch;
    this.batch = [];
    if (evs.length === 0) return;
    const ep = this.epoch;
    this.storing = this.storing.then(() => {
      if (ep !== this.epoch || this.closed) return;
      const writes = evs.map((ev) => {
        try {
          return this.o.onEvent(ev).then(
            () => true,
            () => false,
          );
        } catch {
          return Promise.resolve(false); // a store that throws instead of rejecting must not stall the chain
        }
      });
      return Promise.all(writes).then((ok) => {
        if (this.closed) return;
        let n = 0;
        while (n < ok.length && ok[n]) n++;
        if (n > 0) {
          const seq = (evs[n - 1] as ReaderEvent).seq;
          this.o.onDurable?.(this, seq);
          this.apply(this.session.durable(seq, this.o.clock.now()));
        }
        if (n < ok.length) {
          this.epoch++;
          this.apply(this.session.rewind(this.o.clock.now()));
        }
      });
    });
  }
}
