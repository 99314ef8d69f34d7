/**
 * PN532 driver (UM0701-02 §7) over a byte bus (I2C or HSU), implementing the NfcFrontEnd port. Every command
 * waits for the ACK frame, then the response frame; a timeout retries the command, and a chip that stops
 * answering is re-woken and re-configured (SAM) before the next use. The anti-collision UID in the
 * InListPassiveTarget response is copied out of the receive buffer only to read Tg and SEL_RES, and both
 * copies are zeroed before the callback.
 * A closure, not a class: locals minify, `this.x` does not (issue #4).
 */
import { E_APP_NFC_FRAME, E_APP_NFC_TIMEOUT } from '@badgewire/protocol/device';
import type { Clock, NfcFrontEnd } from '../ports';
import { NFC_ISODEP, NFC_NONE, NFC_OTHER } from '../ports';
import {
  CMD_IN_DATA_EXCHANGE,
  CMD_IN_LIST_PASSIVE,
  CMD_IN_RELEASE,
  CMD_RF_CONFIG,
  CMD_SAM_CONFIG,
  RX_MAX,
  TFI_CHIP,
  TFI_HOST,
} from './pn532-frame';

/**
 * The wire to the chip. I2C: `read` does one read transaction and returns the bytes after the status byte,
 * or nothing when the status byte says "not ready". HSU: `read` returns what the UART has buffered. Either
 * returns at most `max` bytes.
 */
export interface Pn532Bus {
  /** What wakes the chip on this wire, written before SAMConfiguration (pn532-bus.ts). */
  wake: Uint8Array;
  write(b: Uint8Array): void;
  read(max: number): Uint8Array;
}

export {
  CMD_GET_FIRMWARE,
  CMD_IN_DATA_EXCHANGE,
  CMD_IN_LIST_PASSIVE,
  CMD_IN_RELEASE,
  CMD_RF_CONFIG,
  CMD_SAM_CONFIG,
} from './pn532-frame';

// Command parameters are built where they are sent: booted from Storage, function text stays in flash, while
// module-level arrays would hold RAM for the reader's lifetime.

export interface Pn532Options {
  /** Poll period of the bus while waiting, ms. */
  pollMs: number;
  /** Wait for the ACK frame, ms. */
  ackMs: number;
  /** Wait for the response frame, ms. */
  respMs: number;
  /** Attempts per command before the chip counts as down. */
  tries: number;
}

export const PN532_DEFAULTS: Pn532Options = { pollMs: 5, ackMs: 40, respMs: 400, tries: 3 };

type Done = (err: number, data: Uint8Array | null) => void;

export interface Pn532Driver extends NfcFrontEnd {
  /** false until wake + SAM succeeded; any exhausted command clears it so the next use recovers. */
  ready: boolean;
  /** The receive buffer: RX_MAX bytes while a command is in flight, empty (and zeroed first) otherwise. */
  rx: Uint8Array;
  /** Counters for tests: timeouts waiting for a frame, bad frames (each answered by a NACK or a failure). */
  stats: { timeouts: number; bad: number };
  /** Sends one command and calls back with the response parameters (after the response code). */
  command(cmd: number, params: ArrayLike<number>, cb: Done): void;
}

/** b[i] + … + b[end - 1]: a frame's DCS makes the sum of TFI…DCS 0 mod 256 (UM0701 §6.2.1.1). */
function sum(b: Uint8Array, i: number, end: number): number {
  let t = 0;
  while (i < end) t += b[i++] as number;
  return t;
}

export function pn532(bus: Pn532Bus, clock: Clock, o: Pn532Options): Pn532Driver {
  const stats = { timeouts: 0, bad: 0 };
  // Assigned on return; the closures below run only after that.
  let me: Pn532Driver;
  let tg: number;
  let rn: number;
  // The command in flight: code, frame, attempts left, phase (0 = awaiting ACK, 1 = awaiting the response,
  // 2 = awaiting it again after a NACK), deadline of the phase.
  let cmd: number;
  let frame: Uint8Array;
  let left: number;
  let phase: number;
  let due: number;
  let done: Done | null | undefined;

  const finish = (err: number, data: Uint8Array | null): void => {
    const cb = done as Done;
    done = null;
    me.rx.fill(0);
    // Nothing of the command outlives it: receive buffer and command frame both go (see command()).
    me.rx = frame = new Uint8Array(0);
    if (err) me.ready = false;
    cb(err, data);
  };

  const send = (): void => {
    left--;
    rn = phase = 0;
    bus.write(frame);
    due = clock.now() + o.ackMs;
    clock.setTimer(o.pollMs, poll);
  };

  /**
   * Reads what the bus has and handles every whole frame in it (UM0701 §6.2.1): `00 FF LEN LCS TFI PD… DCS 00`,
   * ACK `00 FF 00 FF 00`, NACK `00 FF FF 00 00`; the 00 preamble is optional, bytes before a start code are
   * garbage. The same frames as decodePn532, which the simulator's chip uses (pn532-driver.test.ts compares).
   */
  const poll = () => {
    const rx = me.rx;
    const got = bus.read(phase ? RX_MAX - 1 : 6);
    // Bytes that would overflow the buffer: restart from them (a bus returns no more than asked, so they fit).
    if (got.length > RX_MAX - rn) rn = 0;
    rx.set(got, rn);
    rn += got.length;
    let s = 0;
    for (;;) {
      while (s + 1 < rn && (rx[s] || (rx[s + 1] as number) < 255)) s++;
      if (s + 4 > rn) break;
      const n = rx[s + 2] as number;
      const l = rx[s + 3] as number;
      // kind: 0 NACK (ignored: the chip only resends on one), 1 ACK, 2 checksums good, 3 bad
      let k = 3;
      let u = s + 5;
      if (!(n * l) && n + l === 255) k = +!n;
      else if ((n + l) & 255 || !n) u = s + 2;
      else {
        u += n + 1;
        if (!(sum(rx, s + 4, u - 1) & 255)) k = 2;
      }
      if (u > rn) break;
      if (phase ? k > 1 : k === 1) {
        if (phase) {
          if (k === 2 && rx[s + 4] === TFI_CHIP && rx[s + 5] === cmd + 1)
            return finish(0, new Uint8Array(rx.subarray(s + 6, u - 2)));
          stats.bad++;
          // A wrong answer, or a second bad one, fails the command; the first bad one gets a NACK, which asks
          // the chip to send its response again (UM0701 §6.2.1.3).
          if (k === 2 || phase > 1) return finish(E_APP_NFC_FRAME, null);
          // NACK_FRAME, written out: a module-level array would hold RAM for the reader's lifetime.
          bus.write(new Uint8Array([0, 0, 0xff, 0xff, 0, 0]));
        }
        phase++;
        due = clock.now() + o.respMs;
      }
      s = u;
    }
    // Espruino's set copies forward, which is safe for this shift towards the start.
    rx.set(rx.subarray(s, rn));
    rn -= s;
    if (clock.now() < due) clock.setTimer(o.pollMs, poll);
    else {
      stats.timeouts++;
      if (left) send();
      else finish(E_APP_NFC_TIMEOUT, null);
    }
  };

  const command = (c: number, params: ArrayLike<number>, cb: Done) => {
    if (done) return cb(E_APP_NFC_FRAME, null);
    cmd = c;
    // The receive buffer exists only while a command is in flight: between polls the reader holds none.
    me.rx = new Uint8Array(RX_MAX);
    // 00 00 FF LEN LCS D4 cmd params… DCS 00 (UM0701 §6.2.1.1), the bytes of encodePn532(TFI_HOST, …) without its
    // length check: the longest command is one short APDU. A Uint8Array store keeps the low 8 bits (Espruino
    // too), so the negated checksums need no mask.
    const n = params.length;
    frame = new Uint8Array(n + 9);
    frame[2] = 0xff;
    frame[3] = n + 2;
    frame[4] = -n - 2;
    frame[5] = TFI_HOST;
    frame[6] = c;
    frame.set(params, 7);
    frame[n + 7] = -sum(frame, 5, n + 7);
    left = o.tries;
    done = cb;
    send();
  };

  const init = (cb: (err: number) => void): void => {
    bus.write(bus.wake);
    // SAMConfiguration: normal mode, virtual-card timeout 1 s (0x14 × 50 ms), IRQ pin used. Then
    // RFConfiguration item 5 (MaxRetries): ATR 0xFF, PSL 1, passive activation 1, so a poll with no target
    // returns "0 targets" at once instead of waiting forever.
    command(CMD_SAM_CONFIG, [1, 0x14, 1], (err) =>
      err
        ? cb(err)
        : command(CMD_RF_CONFIG, [5, 0xff, 1, 1], (err2) => {
            me.ready = !err2;
            cb(err2);
          }),
    );
  };

  const detect = (cb: (err: number, found: number) => void) => {
    // A successful init leaves the chip ready, so the second call goes straight to the poll.
    if (!me.ready) return init((err) => (err ? cb(err, NFC_NONE) : detect(cb)));
    command(CMD_IN_LIST_PASSIVE, [1, 0], (err, d) => {
      let found = NFC_NONE;
      // NbTg Tg SENS_RES(2) SEL_RES NFCIDLength NFCID… [ATS]: keep Tg and SEL_RES, never the NFCID.
      if (d) {
        if (d[0] && d.length > 5) {
          tg = d[1] as number;
          found = (d[4] as number) & 0x20 ? NFC_ISODEP : NFC_OTHER;
        }
        d.fill(0);
      }
      cb(err, found);
    });
  };

  const apdu = (c: Uint8Array, cb: (err: number, resp: Uint8Array | null) => void): void => {
    const p = new Uint8Array(c.length + 1);
    p[0] = tg;
    p.set(c, 1);
    command(CMD_IN_DATA_EXCHANGE, p, (err, d) => {
      // Status byte: bits 0..5 are the error code (UM0701 §7.1); 0 = success. d is a fresh copy (finish()).
      const e = err || (((d as Uint8Array)[0] as number) & 0x3f && E_APP_NFC_FRAME);
      cb(e, e ? null : (d as Uint8Array).subarray(1));
    });
  };

  return (me = {
    ready: false,
    rx: new Uint8Array(0),
    stats: stats,
    command: command,
    init: init,
    detect: detect,
    apdu: apdu,
    release: (cb: (err: number) => void) => command(CMD_IN_RELEASE, [0], (err) => cb(err)),
  });
}

/** `new Pn532(bus, clock, o)`: the same driver for callers that construct it (the simulator's driver tests). */
export const Pn532 = pn532 as unknown as new (bus: Pn532Bus, clock: Clock, o: Pn532Options) => Pn532Driver;
