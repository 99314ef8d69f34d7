/**
 * The reliable link session over a BW-SC channel (spec 30-secure-channel §7). One class serves both roles and
 * is device-safe (it runs in the reader firmware). Sans-I/O: every call takes `now` and returns what to send,
 * what to deliver and when to be called again (`wakeAt`); there are no timers here.
 *
 * - Messages are CBOR maps with field 0 = type and 1 = seq. Reliable messages get seq = 1, 2, ... per direction
 *   (u32, persisted by the caller: the reader's event seq survives reboots); seq 0 marks an unsequenced message
 *   (ACK, HEARTBEAT, ERROR, or anything the caller sends best-effort, e.g. a door DECISION that must not
 *   arrive late after a reconnect).
 * - The receiver delivers seq = delivered+1 only, re-acks duplicates without re-delivering them, and drops
 *   gaps (go-back-N: the sender resends from the first unacknowledged message). It acknowledges a seq only
 *   after the caller reports it durable (`durable(seq)`), so an ACK means "stored", never "received".
 * - After every handshake both sides send an ACK (their durable position and the oldest seq they still
 *   hold), and the sender resends everything unacknowledged: exactly-once in effect across reconnects.
 */
import { type CborMap, decodeCbor, encodeCbor } from '../cbor/mini';
import {
  E_CH_COUNTER_EXHAUSTED,
  E_CH_EXPIRED,
  E_CH_NO_SESSION,
  E_MSG_FIELD_TYPE,
  E_MSG_NOT_MAP,
  E_MSG_UNKNOWN_TYPE,
  E_SESS_ACK_RANGE,
  E_SESS_GAP,
  E_SESS_TIMEOUT,
  E_SESS_WINDOW_FULL,
  type Fail,
  fail,
} from '../errors';
import {
  type Delivery,
  F_SEQ,
  F_TYPE,
  type SessionChannel,
  type SessionConfig,
  type SessionOut,
  T_ACK,
  T_ERROR,
  T_HEARTBEAT,
} from './session-types';

export * from './session-types';

interface Queued {
  seq: number;
  msg: CborMap;
}

/** The shared empty list of a quiet result (see `fresh`). */
const NONE: never[] = [];

function num(v: unknown): number {
  return typeof v === 'number' && v >= 0 && v <= 0xffffffff && Math.floor(v) === v ? v : -1;
}

export class LinkSession {
  ch: SessionChannel;
  init: boolean;
  known: number[];
  check: ((m: CborMap) => number) | null;
  peer: SessionConfig['peer'] | null;
  window: number;
  maxQueue: number;
  hb: number;
  dead: number;
  rto: number;
  kMin: number;
  kMax: number;
  /** Unacknowledged reliable messages: q[i].seq = acked + 1 + i. */
  q: Queued[];
  acked: number;
  /** Highest seq transmitted in this session. */
  sentTo: number;
  /** Last time the oldest unacked message made progress (sent or acked). */
  progress: number;
  delivered: number;
  durableTo: number;
  /** Highest seq handed to the application; seqs after it up to `skipTo` were consumed unknown types. */
  lastUp: number;
  skipTo: number;
  ackDue: boolean;
  lastRx: number;
  lastTx: number;
  nextKick: number;
  lastKick: number;
  backoff: number;
  /** An ALERT asked for a handshake (a hint: it can cost at most one rate-limited handshake). */
  alerted: boolean;
  o: SessionOut;

  constructor(ch: SessionChannel, cfg: SessionConfig) {
    this.ch = ch;
    this.init = cfg.initiator;
    this.known = cfg.known;
    this.check = cfg.check ?? null;
    this.peer = cfg.peer ?? null;
    this.window = cfg.window ?? 16;
    this.maxQueue = cfg.maxQueue ?? 256;
    this.hb = cfg.heartbeatMs ?? 5000;
    this.dead = cfg.deadMs ?? 15000;
    this.rto = cfg.rtoMs ?? 2000;
    this.kMin = cfg.kickMinMs ?? 500;
    this.kMax = cfg.kickMaxMs ?? 30000;
    this.q = [];
    this.acked = (cfg.nextSeq ?? 1) - 1;
    this.sentTo = this.acked;
    this.progress = 0;
    this.delivered = cfg.recvDurable ?? 0;
    this.durableTo = this.delivered;
    this.lastUp = this.delivered;
    this.skipTo = 0;
    this.ackDue = false;
    this.lastRx = 0;
    this.lastTx = 0;
    this.nextKick = 0;
    this.lastKick = -1e15;
    this.backoff = this.kMin;
    this.alerted = false;
    this.o = this.fresh();
  }

  /**
   * Most calls send, deliver and report nothing: their result shares one empty array per field (never written
   * to), and a list of its own is made at the first entry. A host serving many readers makes millions of calls.
   */
  fresh(): SessionOut {
    return { send: NONE, deliver: NONE, faults: NONE, up: false, down: false, seq: 0, acked: 0, wakeAt: 0 };
  }
  out(b: Uint8Array): void {
    if (this.o.send === NONE) this.o.send = [];
    this.o.send.push(b);
  }
  fault(f: Fail): void {
    if (this.o.faults === NONE) this.o.faults = [];
    this.o.faults.push(f);
  }
  up1(d: Delivery): void {
    if (this.o.deliver === NONE) this.o.deliver = [];
    this.o.deliver.push(d);
  }
  nextSeq(): number {
    return this.acked + 1 + this.q.length;
  }

  /** Queues an application message. Reliable ones get a seq and are resent until acknowledged. */
  send(msg: CborMap, reliable: boolean, now: number): SessionOut {
    if (!reliable) {
      msg[F_SEQ] = 0;
      if (this.ch.isUp()) this.transmit(msg, now);
      else this.fault(fail(E_CH_NO_SESSION, -1));
      return this.finish(now);
    }
    if (this.q.length >= this.maxQueue) {
      this.fault(fail(E_SESS_WINDOW_FULL, -1));
      return this.finish(now);
    }
    const seq = this.nextSeq();
    msg[F_SEQ] = seq;
    this.q.push({ seq: seq, msg: msg });
    this.o.seq = seq;
    return this.finish(now);
  }

  /** One packet from the framing layer. */
  receive(b: Uint8Array, now: number): SessionOut {
    const wasUp = this.ch.isUp();
    const st = this.ch.receive(b, now);
    for (let i = 0; i < st.send.length; i++) this.out(st.send[i] as Uint8Array);
    if (st.fail) {
      this.fault(st.fail);
      if (wasUp && !this.ch.isUp()) this.lost(now);
    }
    if (st.up) this.onUp(now);
    if (st.alert !== 0 && this.init) {
      this.alerted = true;
      if (this.lastKick + this.kMin < this.nextKick) this.nextKick = this.lastKick + this.kMin;
    }
    if (st.body) {
      this.lastRx = now;
      this.onBody(st.body, now);
    }
    return this.finish(now);
  }

  /** The caller stored the peer's message `seq` (and everything before it): acknowledge it. */
  durable(seq: number, now: number): SessionOut {
    if (seq > this.durableTo && seq <= this.delivered) {
      this.durableTo = seq >= this.lastUp && this.skipTo > seq ? this.skipTo : seq;
      this.ackDue = true;
    }
    return this.finish(now);
  }

  /** Takes over the persisted state of a peer (a different reader now on this link): queues are dropped. */
  adopt(recvDurable: number, nextSeq: number): void {
    this.q = [];
    this.acked = nextSeq - 1;
    this.sentTo = this.acked;
    this.delivered = recvDurable;
    this.durableTo = recvDurable;
    this.lastUp = recvDurable;
    this.skipTo = 0;
  }

  /** The caller failed to store what it was given after `durableTo`: the peer's resend will deliver it again. */
  rewind(now: number): SessionOut {
    this.delivered = this.durableTo;
    this.lastUp = this.durableTo;
    this.skipTo = 0;
    return this.finish(now);
  }

  /** Call at `wakeAt` (or any time): heartbeats, supervision, retransmission, handshake retries. */
  tick(now: number): SessionOut {
    return this.finish(now);
  }
  /** The transport closed or reconnected: the channel session is gone, the queues stay. */
  linkDown(now: number): SessionOut {
    if (this.ch.isUp()) this.lost(now);
    this.ch.reset();
    this.nextKick = now;
    return this.finish(now);
  }

  lost(now: number): void {
    this.o.down = true;
    this.sentTo = this.acked;
    this.nextKick = now;
  }

  onUp(now: number): void {
    const ps = this.peer ? this.peer() : null;
    if (ps) this.adopt(ps.recvDurable, ps.nextSeq);
    this.o.up = true;
    this.alerted = false;
    this.backoff = this.kMin;
    this.lastRx = now;
    this.sentTo = this.acked;
    this.progress = now;
    this.ackDue = true;
  }

  onBody(body: Uint8Array, now: number): void {
    const d = decodeCbor(body);
    if (!d.ok) {
      this.fault(d);
      this.error(d.code, -1, 0, now);
      return;
    }
    const m = d.value;
    if (typeof m !== 'object' || m === null || m instanceof Uint8Array || Array.isArray(m)) {
      this.fault(fail(E_MSG_NOT_MAP, 0));
      this.error(E_MSG_NOT_MAP, -1, 0, now);
      return;
    }
    const msg = m as CborMap;
    const t = num(msg[F_TYPE]);
    const seq = num(msg[F_SEQ]);
    if (t < 0 || seq < 0) {
      this.fault(fail(E_MSG_FIELD_TYPE, 0));
      this.error(E_MSG_FIELD_TYPE, t, 0, now);
      return;
    }
    if (t === T_ACK) {
      this.onAck(num(msg[2]), num(msg[3]), now);
      return;
    }
    if (seq > 0) {
      if (seq <= this.delivered) {
        this.ackDue = true;
        return;
      }
      if (seq !== this.delivered + 1) {
        this.fault(fail(E_SESS_GAP, seq));
        return;
      }
      this.delivered = seq;
    }
    // ERROR is never answered with an ERROR (no ping-pong between two confused peers).
    let bad = 0;
    if (t !== T_ERROR && t !== T_HEARTBEAT && this.known.indexOf(t) < 0) bad = E_MSG_UNKNOWN_TYPE;
    else if (t !== T_ERROR && this.check) bad = this.check(msg);
    if (bad !== 0) {
      // Consumed but not usable: it is acknowledged at once so the sender does not resend it forever.
      this.fault(fail(bad, seq));
      this.error(bad, t, seq, now);
      if (seq > 0) {
        if (this.durableTo >= this.lastUp) {
          this.durableTo = seq;
          this.ackDue = true;
        } else this.skipTo = seq;
      }
      return;
    }
    if (seq > 0) this.lastUp = seq;
    this.up1({ seq: seq, type: t, msg: msg });
  }

  onAck(n: number, base: number, now: number): void {
    if (base > this.delivered) {
      // The peer no longer holds messages after our position: we lost state it had acknowledged.
      this.fault(fail(E_SESS_GAP, base));
      this.delivered = base;
      this.durableTo = base;
      this.lastUp = base;
    }
    if (n < 0 || n <= this.acked) return;
    const last = this.acked + this.q.length;
    if (n > last) {
      // The peer has stored seqs beyond what we hold (we were reset): renumber what is still unsent to it.
      this.fault(fail(E_SESS_ACK_RANGE, n));
      for (let i = 0; i < this.q.length; i++) {
        const e = this.q[i] as Queued;
        e.seq = n + 1 + i;
        e.msg[F_SEQ] = e.seq;
      }
      this.acked = n;
      this.sentTo = n;
    } else {
      this.q.splice(0, n - this.acked);
      this.acked = n;
      if (this.sentTo < n) this.sentTo = n;
    }
    this.progress = now;
  }

  error(code: number, type: number, seq: number, now: number): void {
    const m: CborMap = { 0: T_ERROR, 1: 0, 2: code };
    if (type >= 0) m[3] = type;
    if (seq > 0) m[4] = seq;
    this.transmit(m, now);
  }

  transmit(msg: CborMap, now: number): boolean {
    const r = this.ch.seal(encodeCbor(msg), now);
    if (!r.ok) {
      this.fault(r);
      if (r.code === E_CH_COUNTER_EXHAUSTED || r.code === E_CH_EXPIRED) {
        this.ch.reset();
        this.lost(now);
      }
      return false;
    }
    this.out(r.value);
    this.lastTx = now;
    return true;
  }

  /** Housekeeping after every call: handshake kicks, acks, (re)transmission, heartbeats, next wake-up. */
  finish(now: number): SessionOut {
    if (this.ch.isUp() && now - this.lastRx >= this.dead) {
      this.fault(fail(E_SESS_TIMEOUT, -1));
      this.ch.reset();
      this.lost(now);
    }
    if ((!this.ch.isUp() || this.alerted || this.ch.renewDue(now)) && now >= this.nextKick) {
      this.out(this.ch.kick());
      this.alerted = false;
      this.lastKick = now;
      this.nextKick = now + this.backoff;
      this.backoff = this.backoff * 2 > this.kMax ? this.kMax : this.backoff * 2;
    }
    if (this.ch.isUp()) {
      if (this.ackDue) {
        this.ackDue = false;
        this.transmit({ 0: T_ACK, 1: 0, 2: this.durableTo, 3: this.acked }, now);
      }
      if (this.q.length > 0 && this.sentTo > this.acked && now - this.progress >= this.rto) {
        this.sentTo = this.acked; // go back N
        this.progress = now;
      }
      while (this.sentTo < this.acked + this.q.length && this.sentTo - this.acked < this.window) {
        const e = this.q[this.sentTo - this.acked] as Queued;
        if (!this.transmit(e.msg, now)) break;
        if (this.sentTo === this.acked) this.progress = now;
        this.sentTo++;
      }
      if (this.ch.isUp() && now - this.lastTx >= this.hb) this.transmit({ 0: T_HEARTBEAT, 1: 0 }, now);
    }
    const o = this.o;
    o.wakeAt = this.wake(now);
    o.acked = this.acked;
    this.o = this.fresh();
    return o;
  }

  wake(now: number): number {
    if (!this.ch.isUp()) return this.nextKick > now ? this.nextKick : now + this.backoff;
    let w = this.lastTx + this.hb;
    const d = this.lastRx + this.dead;
    if (d < w) w = d;
    if (this.sentTo > this.acked && this.progress + this.rto < w) w = this.progress + this.rto;
    if ((this.alerted || this.ch.renewDue(now)) && this.nextKick < w) w = this.nextKick;
    return w > now ? w : now + 1;
  }
}
