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
import { DEAD_MS, LINK_WINDOW, RTO_MS } from './limits';
import { FLAG_LINK, MSG_ACK } from './msg';
import type { Outbox } from './outbox';

export interface HostLink {
  /** The host answered recently over an authenticated session: only then may the door act on anything. */
  online(): boolean;
  /**
   * Queues an event (its seq is assigned here and returned) and tries to deliver it. `hold`: it may wait in
   * the outbox's RAM window while the host is online (sightings); otherwise it is in flash before it is sent.
   */
  event(m: CborMap, hold: boolean): number;
  /** Called every heartbeat period by the app with its health report (a HEARTBEAT map, seq 0). */
  beat(health: CborMap): void;
}

/**
 * `app.message` handles one host message; false when it could not be stored (no ACK, so the host resends it).
 * It is called as a method, so a patched prototype (the leaky test variants) is what runs.
 * `fault` hears of every frame and record the link refused (a health flag).
 */
export function hostLink(
  link: Link,
  ch: Responder,
  box: Outbox,
  clock: Clock,
  app: { message(m: CborMap): boolean },
  fault: (flag: number) => void,
): HostLink {
  /** Next event seq to transmit. */
  let ptr = box.head;
  /** Highest host seq handled (for our ACKs). */
  let got = 0;
  /** Unset until the first handshake sets it: online() tests the session first. */
  let lastRx: number;
  let lastAck = 0;

  // Truthy or not (every caller tests it so): a session and a recent authenticated record.
  const online = (): boolean => {
    return (ch.s && clock.now() - lastRx < DEAD_MS) as boolean;
  };

  /** Frames and writes one packet: the bytes the link took (0: busy). */
  const tx = (packet: Uint8Array): number => {
    return link.write(encodeFrame(packet));
  };

  /**
   * Seals and sends one record body; 0 without a session (sealFor refuses with a code, a number without a
   * length) or when the link is busy.
   */
  const seal = (b: Uint8Array): number => {
    const r = sealFor(ch, b, clock.now()) as Uint8Array;
    return r.length && tx(r);
  };

  /** One unsequenced message (its map carries seq 0: key 1 is 0). */
  const ack = (): void => {
    seal(leanEncode({ 0: MSG_ACK, 1: 0, 2: got, 3: box.head - 1 }));
  };

  const pump = (): void => {
    // The queue may have dropped or the host acknowledged events past the send pointer.
    if (ptr < box.head) ptr = box.head;
    while (ch.s && ptr < box.next && ptr - box.head < LINK_WINDOW) {
      const b = box.get(ptr);
      if (b && !seal(b)) return;
      ptr++;
    }
  };

  /** One deframed packet, or nothing for a frame the deframer refused. */
  const packet = (p?: Uint8Array | 0): void => {
    if (p) {
      const now = clock.now();
      const st = respond(ch, p, now);
      if (st.send) tx(st.send);
      if (st.fail) fault(FLAG_LINK);
      if (st.up) {
        ptr = box.head;
        lastAck = lastRx = now;
        ack();
      }
      if (st.body) {
        lastRx = now;
        const m = leanDecode(st.body) as CborMap | null;
        const seq = m && (m[1] as number);
        // `x === +x`: a number (not NaN), in fewer bytes than typeof on the board.
        if (!m || m[0] !== +(m[0] as number) || seq !== +(seq as number)) fault(FLAG_LINK);
        else if (m[0] === MSG_ACK) {
          const d = m[2] as number;
          if (d === +d) {
            if (d >= box.head) lastAck = now;
            box.ack(d);
          }
        } else if (app.message(m) && seq > 0) {
          // Handled (challenge pools and config in RAM, a new key in flash): acknowledge it as durable.
          if (seq > got) got = seq;
          ack();
        }
      }
      pump();
    } else fault(FLAG_LINK);
  };

  let df: LeanDeframer = leanDeframer(packet);
  link.onData((c: Uint8Array) => df(c));
  link.onClose(() => {
    // BLE disconnect or serial loss: the session is gone; events stay queued for the next one, which resends
    // them from the head.
    ch.s = ch.p = null;
    df = leanDeframer(packet);
    box.spill();
  });
  return {
    online: online,
    event: (m: CborMap, hold: boolean) => {
      m[1] = box.next;
      box.store(leanEncode(m), hold && online());
      pump();
      return m[1] as number;
    },
    beat: (health: CborMap) => {
      const now = clock.now();
      // Held sightings go to flash once the host has made no acknowledgement progress for a retransmission
      // timeout: while it keeps acknowledging, what is held is younger than one round trip.
      if (now - lastAck >= RTO_MS) {
        box.spill();
        if (box.size()) {
          ptr = box.head;
          lastAck = now;
          // The queue may have dropped its oldest events while the session stayed up: re-announce where the
          // retained events start, or the host waits for a seq that no longer exists (no handshake resets it).
          // Without a session this ACK is not sent, and the next handshake resends from the head anyway.
          ack();
        }
      }
      if (ch.s) {
        seal(leanEncode(health));
        pump();
      }
      // The clear "no session" ALERT (E_CH_NO_SESSION = 403) prompts the host to handshake.
      else tx(alertPacket(403));
    },
  };
}
