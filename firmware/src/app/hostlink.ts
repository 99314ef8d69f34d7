/**
 * The reader's end of the host link: Link bytes → protocol Deframer → BW-SC reader channel → CBOR messages,
 * and back, with the reliable-session rules of protocol/src/link/session.ts (SPEC 30 §7): events carry the
 * reader's durable seq (Outbox), are sent in order and resent from the oldest unacknowledged one after every
 * handshake or when the host makes no progress; an ACK {2: durable} from the host removes them. After each
 * handshake the reader sends ACK {2: host messages handled, 3: the seq before the oldest event it still holds},
 * so the host can skip events the bounded queue had to drop. The host's own sequenced messages are acknowledged once handled.
 * Heartbeats (type 19, seq 0) carry the health report. Without a session the reader sends the clear
 * "no session" ALERT at each heartbeat so the host starts a handshake.
 *
 * A closure over local state, not a class: the minifier shortens locals, while every `this.x` costs five more
 * bytes in the bundle (issue #4), for the same JsVars.
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

export interface HostLink {
  /** The BW-SC reader role (protocol responder.ts); its session is `ch.s`. */
  ch: Responder;
  /** Frames and records the link refused so far (a health flag). */
  faults: number;
  /** The host answered recently over an authenticated session: only then may the door act on anything. */
  online(): boolean;
  /**
   * Queues an event (its seq is assigned here and returned) and tries to deliver it. `hold`: it may wait in
   * the outbox's RAM window while the host is online (sightings); otherwise it is in flash before it is sent.
   */
  event(m: CborMap, hold: boolean): number;
  /** Called every heartbeat period by the app with its health report (a HEARTBEAT map). */
  beat(health: CborMap): void;
}

/** `onMsg` handles one host message; false when it could not be stored (no ACK, so the host resends it). */
export function hostLink(
  link: Link,
  ch: Responder,
  box: Outbox,
  clock: Clock,
  o: HostLinkOptions,
  onMsg: (m: CborMap) => boolean,
): HostLink {
  const me = { ch: ch, faults: 0 } as HostLink;
  /** Next event seq to transmit. */
  let ptr = box.head;
  /** Highest host seq handled (for our ACKs). */
  let got = 0;
  let lastRx = -1e9;
  let lastAck = 0;

  const online = (): boolean => {
    return ch.s !== null && clock.now() - lastRx < o.dead;
  };

  const tx = (packet: Uint8Array): boolean => {
    return link.write(encodeFrame(packet)) > 0;
  };

  /** Seals and sends one unsequenced message now; false without a session or when the link is busy. */
  const send = (m: CborMap): boolean => {
    if (!ch.s) return false;
    m[1] = 0;
    const r = sealFor(ch, leanEncode(m), clock.now());
    return r.ok && tx(r.value as Uint8Array);
  };

  const ack = (): void => {
    send({ 0: MSG_ACK, 2: got, 3: box.head - 1 });
  };

  const pump = (): void => {
    if (!ch.s) return;
    while (ptr < box.next && ptr - box.head < o.win) {
      const b = box.get(ptr);
      if (b) {
        const r = sealFor(ch, b, clock.now());
        if (!r.ok || !tx(r.value as Uint8Array)) return;
      }
      ptr++;
    }
  };

  const packet = (p: Uint8Array): void => {
    const now = clock.now();
    const st = respond(ch, p, now);
    for (let i = 0; i < st.send.length; i++) tx(st.send[i] as Uint8Array);
    if (st.fail) me.faults++;
    if (st.up) {
      ptr = box.head;
      lastRx = now;
      lastAck = now;
      ack();
    }
    if (st.body) {
      lastRx = now;
      const r = leanDecode(st.body);
      const m = r.ok ? (r.value as CborMap) : null;
      const seq = m ? m[1] : 0;
      if (!m || typeof m !== 'object' || typeof m[0] !== 'number' || typeof seq !== 'number') me.faults++;
      else if (m[0] === MSG_ACK) {
        const d = m[2];
        if (typeof d === 'number') {
          if (d >= box.head) lastAck = now;
          box.ack(d);
          if (ptr < box.head) ptr = box.head;
        }
      } else if (onMsg(m) && seq > 0) {
        // Handled (challenge pools and config in RAM, a new key in flash): acknowledge it as durable.
        if (seq > got) got = seq;
        ack();
      }
    }
    pump();
  };

  const onPacket = (p: Uint8Array | null) => {
    if (p) packet(p);
    else me.faults++;
  };
  let df: LeanDeframer = leanDeframer(onPacket);
  link.onData((c: Uint8Array) => {
    deframe(df, c);
  });
  link.onClose(() => {
    // BLE disconnect or serial loss: the session is gone; events stay queued for the next one.
    ch.s = null;
    ch.p = null;
    df = leanDeframer(onPacket);
    ptr = box.head;
    box.spill();
  });
  me.online = online;
  me.event = (m: CborMap, hold: boolean) => {
    m[1] = box.next;
    const seq = box.store(leanEncode(m), hold && online());
    if (ptr < box.head) ptr = box.head;
    pump();
    return seq;
  };
  me.beat = (health: CborMap) => {
    const now = clock.now();
    // Held sightings go to flash once the host has made no acknowledgement progress for a retransmission
    // timeout: while it keeps acknowledging, what is held is younger than one round trip.
    if (now - lastAck >= o.rto) box.spill();
    if (!ch.s) {
      // The clear "no session" ALERT (E_CH_NO_SESSION = 403) prompts the host to handshake.
      tx(alertPacket(403));
      return;
    }
    if (box.size() > 0 && now - lastAck >= o.rto) {
      ptr = box.head;
      lastAck = now;
      // The queue may have dropped its oldest events while the session stayed up: re-announce where the
      // retained events start, or the host waits for a seq that no longer exists (no handshake resets it).
      ack();
    }
    send(health);
    pump();
  };
  return me;
}
