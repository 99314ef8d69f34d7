/**
 * The reader's end of the host link: Link bytes → protocol Deframer → BW-SC reader channel → CBOR messages,
 * and back, with the reliable-session rules of protocol/src/link/session.ts (SPEC 30 §7): events carry the
 * reader's durable seq (Outbox), are sent in order and resent from the oldest unacknowledged one after every
 * handshake or when the host makes no progress; an ACK {2: durable} from the host removes them. After each
 * handshake the reader sends ACK {2: host messages handled, 3: the seq before the oldest event it still holds},
 * so the host can skip events the bounded queue had to drop. The host's own sequenced messages are acknowledged once handled.
 * Heartbeats (type 19, seq 0) carry the health report. Without a session the reader sends the clear
 * "no session" ALERT at each heartbeat so the host starts a handshake.
 */
import {
  alertPacket,
  type CborMap,
  deframe,
  encodeFrame,
  type LeanDeframer,
  leanDecode,
  leanDeframer,
  leanEncode,
  type Responder,
  respond,
  sealFor,
} from '@badgewire/protocol/device';
import type { Clock, Link } from '../ports';
import { MSG_ACK } from './msg';
import type { Outbox } from './outbox';

export interface HostLinkOptions {
  /** The host counts as unreachable after this long without an authenticated record, ms. */
  dead: number;
  /** Resend unacked events after this long without ACK progress, ms. */
  rto: number;
  /** Events in flight at once. */
  win: number;
}

export class HostLink {
  link: Link;
  /** The BW-SC reader role (protocol responder.ts); its session is `ch.s`. */
  ch: Responder;
  box: Outbox;
  clock: Clock;
  dead: number;
  rto: number;
  win: number;
  /** Handles one host message; false when it could not be stored (no ACK, so the host resends it). */
  onMsg: (m: CborMap) => boolean;
  df: LeanDeframer;
  /** Next event seq to transmit. */
  ptr: number;
  /** Highest host seq handled (for our ACKs). */
  got: number;
  lastRx: number;
  lastAck: number;
  faults: number;

  constructor(
    link: Link,
    ch: Responder,
    box: Outbox,
    clock: Clock,
    o: HostLinkOptions,
    onMsg: (m: CborMap) => boolean,
  ) {
    this.link = link;
    this.ch = ch;
    this.box = box;
    this.clock = clock;
    this.dead = o.dead;
    this.rto = o.rto;
    this.win = o.win;
    this.onMsg = onMsg;
    this.ptr = box.head;
    this.got = 0;
    this.lastRx = -1e9;
    this.lastAck = 0;
    this.faults = 0;
    this.df = leanDeframer((p: Uint8Array | null) => {
      if (p) this.packet(p);
      else this.faults++;
    });
    link.onData((c: Uint8Array) => {
      deframe(this.df, c);
    });
    link.onClose(() => {
      // BLE disconnect or serial loss: the session is gone; events stay queued for the next one.
      this.ch.s = null;
      this.ch.p = null;
      this.df = leanDeframer(this.df.f);
      this.ptr = this.box.head;
      this.box.spill();
    });
  }

  /** The host answered recently over an authenticated session: only then may the door act on anything. */
  online(): boolean {
    return this.ch.s !== null && this.clock.now() - this.lastRx < this.dead;
  }

  tx(packet: Uint8Array): boolean {
    return this.link.write(encodeFrame(packet)) > 0;
  }

  packet(p: Uint8Array): void {
    const now = this.clock.now();
    const st = respond(this.ch, p, now);
    for (let i = 0; i < st.send.length; i++) this.tx(st.send[i] as Uint8Array);
    if (st.fail) this.faults++;
    if (st.up) {
      this.ptr = this.box.head;
      this.lastRx = now;
      this.lastAck = now;
      this.send({ 0: MSG_ACK, 2: this.got, 3: this.box.head - 1 });
    }
    if (st.body) {
      this.lastRx = now;
      const r = leanDecode(st.body);
      const m = r.ok ? (r.value as CborMap) : null;
      const seq = m ? m[1] : 0;
      if (!m || typeof m !== 'object' || typeof m[0] !== 'number' || typeof seq !== 'number') this.faults++;
      else if (m[0] === MSG_ACK) {
        const d = m[2];
        if (typeof d === 'number') {
          if (d >= this.box.head) this.lastAck = now;
          this.box.ack(d);
          if (this.ptr < this.box.head) this.ptr = this.box.head;
        }
      } else if (this.onMsg(m) && seq > 0) {
        // Handled (challenge pools and config in RAM, a new key in flash): acknowledge it as durable.
        if (seq > this.got) this.got = seq;
        this.send({ 0: MSG_ACK, 2: this.got, 3: this.box.head - 1 });
      }
    }
    this.pump();
  }

  /** Seals and sends one unsequenced message now; false without a session or when the link is busy. */
  send(m: CborMap): boolean {
    if (!this.ch.s) return false;
    m[1] = 0;
    const r = sealFor(this.ch, leanEncode(m), this.clock.now());
    return r.ok && this.tx(r.value as Uint8Array);
  }

  /**
   * Queues an event (its seq is assigned here and returned) and tries to deliver it. `hold`: it may wait in
   * the outbox's RAM window while the host is online (sightings); otherwise it is in flash before it is sent.
   */
  event(m: CborMap, hold: boolean): number {
    m[1] = this.box.next;
    const seq = this.box.store(leanEncode(m), hold && this.online());
    if (this.ptr < this.box.head) this.ptr = this.box.head;
    this.pump();
    return seq;
  }

  pump(): void {
    if (!this.ch.s) return;
    while (this.ptr < this.box.next && this.ptr - this.box.head < this.win) {
      const b = this.box.get(this.ptr);
      if (b) {
        const r = sealFor(this.ch, b, this.clock.now());
        if (!r.ok || !this.tx(r.value as Uint8Array)) return;
      }
      this.ptr++;
    }
  }

  /** Called every heartbeat period by the app with its health report (a HEARTBEAT map). */
  beat(health: CborMap): void {
    const now = this.clock.now();
    // Held sightings go to flash once the host has made no acknowledgement progress for a retransmission
    // timeout: while it keeps acknowledging, what is held is younger than one round trip.
    if (now - this.lastAck >= this.rto) this.box.spill();
    if (!this.ch.s) {
      // The clear "no session" ALERT (E_CH_NO_SESSION = 403) prompts the host to handshake.
      this.tx(alertPacket(403));
      return;
    }
    if (this.box.size() > 0 && now - this.lastAck >= this.rto) {
      this.ptr = this.box.head;
      this.lastAck = now;
      // The queue may have dropped its oldest events while the session stayed up: re-announce where the
      // retained events start, or the host waits for a seq that no longer exists (no handshake resets it).
      this.send({ 0: MSG_ACK, 2: this.got, 3: this.box.head - 1 });
    }
    this.send(health);
    this.pump();
  }
}
