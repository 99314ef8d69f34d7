/**
 * The reader's end of the host link: Link bytes → protocol Deframer → BW-SC reader channel → MsgCodec, and
 * back. Durable events go through the Outbox and are (re)sent in order while a session is up; an ACK(seq)
 * from the host removes them, a reconnect or a silent host restarts delivery from the oldest unacked one.
 * HEALTH heartbeats are not queued; the host answers each with ACK(highest journaled seq), which is also
 * how the reader learns the host is reachable. Without a session the reader sends the clear "no session"
 * ALERT at each heartbeat so the host starts a handshake.
 */
import { Deframer, encodeFrame } from '@badgewire/protocol/device';
import type { Clock, Link } from '../ports';
import { type AppMsg, M_ACK, type MsgCodec } from './msg';
import type { Outbox } from './outbox';

/** What the app needs of the protocol's reader channel (ReaderChannel implements it). */
export interface ReaderSide {
  receive(
    b: Uint8Array,
    now: number,
  ): { send: Uint8Array[]; body: Uint8Array | null; up: boolean; fail: { code: number } | null };
  seal(body: Uint8Array, now: number): { ok: boolean; value?: Uint8Array };
  isUp(): boolean;
  kick(): Uint8Array;
  reset(): void;
}

export interface HostLinkOptions {
  /** Heartbeat period, ms. */
  hb: number;
  /** The host counts as unreachable after this long without an authenticated record, ms. */
  dead: number;
  /** Retransmit unacked events after this long without ACK progress, ms. */
  rto: number;
  /** Events in flight at once. */
  win: number;
}

export class HostLink {
  link: Link;
  ch: ReaderSide;
  codec: MsgCodec;
  box: Outbox;
  clock: Clock;
  o: HostLinkOptions;
  onMsg: (m: AppMsg) => void;
  health: () => AppMsg;
  df: Deframer;
  /** Next seq to transmit. */
  ptr: number;
  lastRx: number;
  lastAck: number;
  faults: number;
  closed: boolean;

  constructor(
    link: Link,
    ch: ReaderSide,
    codec: MsgCodec,
    box: Outbox,
    clock: Clock,
    o: HostLinkOptions,
    onMsg: (m: AppMsg) => void,
    health: () => AppMsg,
  ) {
    this.link = link;
    this.ch = ch;
    this.codec = codec;
    this.box = box;
    this.clock = clock;
    this.o = o;
    this.onMsg = onMsg;
    this.health = health;
    this.ptr = box.head;
    this.lastRx = -1e9;
    this.lastAck = 0;
    this.faults = 0;
    this.closed = false;
    this.df = new Deframer(
      (p: Uint8Array) => {
        this.packet(p);
      },
      () => {
        this.faults++;
      },
      520,
    );
    link.onData((c: Uint8Array) => {
      this.df.push(c);
    });
    link.onClose(() => {
      // BLE disconnect or serial loss: the session is gone; events stay queued for the next one.
      this.ch.reset();
      this.df.reset();
      this.ptr = this.box.head;
    });
  }

  /** The host answered recently over an authenticated session: only then may the door act on anything. */
  online(): boolean {
    return this.ch.isUp() && this.clock.now() - this.lastRx < this.o.dead;
  }

  tx(packet: Uint8Array): boolean {
    return this.link.write(encodeFrame(packet)) > 0;
  }

  packet(p: Uint8Array): void {
    const now = this.clock.now();
    const st = this.ch.receive(p, now);
    for (let i = 0; i < st.send.length; i++) this.tx(st.send[i] as Uint8Array);
    if (st.fail) this.faults++;
    if (st.up) {
      this.ptr = this.box.head;
      this.lastRx = now;
      this.lastAck = now;
    }
    if (!st.body) {
      if (st.up) this.pump();
      return;
    }
    this.lastRx = now;
    const m = this.codec.decode(st.body);
    if (!m) {
      this.faults++;
      return;
    }
    if (m.t === M_ACK && typeof m.seq === 'number') {
      if (m.seq >= this.box.head) this.lastAck = now;
      this.box.ack(m.seq);
      if (this.ptr < this.box.head) this.ptr = this.box.head;
    } else this.onMsg(m);
    this.pump();
  }

  /** Seals and sends one message now; false without a session or when the link is busy. */
  send(m: AppMsg): boolean {
    if (!this.ch.isUp()) return false;
    const r = this.ch.seal(this.codec.encode(m), this.clock.now());
    return r.ok && this.tx(r.value as Uint8Array);
  }

  /** Queues a durable event (seq assigned here) and tries to deliver it. */
  event(m: AppMsg): number {
    m.seq = this.box.take();
    const seq = this.box.store(this.codec.encode(m));
    if (this.ptr < this.box.head) this.ptr = this.box.head;
    this.pump();
    return seq;
  }

  pump(): void {
    if (!this.ch.isUp()) return;
    while (this.ptr < this.box.next && this.ptr - this.box.head < this.o.win) {
      const b = this.box.get(this.ptr);
      if (b) {
        const r = this.ch.seal(b, this.clock.now());
        if (!r.ok || !this.tx(r.value as Uint8Array)) return;
      }
      this.ptr++;
    }
  }

  /** Called every heartbeat period by the app. */
  beat(): void {
    const now = this.clock.now();
    if (!this.ch.isUp()) {
      this.tx(this.ch.kick());
      return;
    }
    if (this.box.size() > 0 && now - this.lastAck >= this.o.rto) {
      this.ptr = this.box.head;
      this.lastAck = now;
    }
    this.send(this.health());
    this.pump();
  }
}
