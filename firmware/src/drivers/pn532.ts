/**
 * PN532 driver (UM0701-02 §7) over a byte bus (I2C or HSU), implementing the NfcFrontEnd port. Every command
 * waits for the ACK frame, then the response frame; a timeout retries the command, and a chip that stops
 * answering is re-woken and re-configured (SAM) before the next use. The anti-collision UID in the
 * InListPassiveTarget response is never copied out of the receive buffer, which is zeroed after parsing.
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
  decodePn532,
  encodeCommand,
  F_ACK,
  F_BAD,
  F_DATA,
  F_MORE,
  F_NACK,
  NACK_FRAME,
  RX_MAX,
} from './pn532-frame';

/**
 * The wire to the chip. I2C: `read` does one read transaction and returns the bytes after the status byte,
 * or nothing when the status byte says "not ready". HSU: `read` returns what the UART has buffered.
 */
export interface Pn532Bus {
  /** true for HSU (UART): the wake-up needs the long 55 55 00… preamble. */
  hsu: boolean;
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
  command(cmd: number, params: Uint8Array, cb: Done): void;
}

export function pn532(bus: Pn532Bus, clock: Clock, o: Pn532Options): Pn532Driver {
  const me = { ready: false, rx: new Uint8Array(0), stats: { timeouts: 0, bad: 0 } } as Pn532Driver;
  let tg = 0;
  let rn = 0;
  // The command in flight: code, frame, attempts left, phase (1 = awaiting ACK, 2 = awaiting response).
  let cmd = 0;
  let frame: Uint8Array = new Uint8Array(0);
  let left = 0;
  let phase = 0;
  let nacked = false;
  let due = 0;
  let done: Done | null = null;

  const finish = (err: number, data: Uint8Array | null): void => {
    const cb = done;
    done = null;
    phase = 0;
    me.rx.fill(0);
    // Nothing of the command outlives it: receive buffer and command frame both go (see command()).
    me.rx = frame = new Uint8Array(0);
    rn = 0;
    if (err) me.ready = false;
    if (cb) cb(err, data);
  };

  /** Handles one decoded frame; true when the command finished. */
  const onFrame = (kind: number, tfi: number, data: Uint8Array): boolean => {
    if (phase === 1) {
      if (kind === F_ACK) {
        phase = 2;
        due = clock.now() + o.respMs;
      }
      return false;
    }
    if (kind === F_DATA && tfi === 0xd5 && data[0] === cmd + 1) {
      finish(0, new Uint8Array(data.subarray(1)));
      return true;
    }
    if (kind === F_BAD && !nacked) {
      // UM0701 §6.2.1.3: a NACK asks the chip to send its last response again.
      me.stats.bad++;
      nacked = true;
      bus.write(NACK_FRAME);
      due = clock.now() + o.respMs;
      return false;
    }
    if (kind === F_ACK || kind === F_NACK) return false;
    me.stats.bad++;
    finish(E_APP_NFC_FRAME, null);
    return true;
  };

  const poll = (): void => {
    if (!phase) return;
    const rx = me.rx;
    const got = bus.read(phase === 1 ? 6 : RX_MAX - 1);
    if (got.length > 0) {
      // An overfull buffer is garbage by construction (no frame is that long): restart from the new bytes.
      if (got.length > RX_MAX - rn) rn = 0;
      rx.set(got.subarray(0, Math.min(got.length, RX_MAX)), rn);
      rn += Math.min(got.length, RX_MAX);
    }
    while (phase) {
      const f = decodePn532(rx, 0, rn);
      if (f.kind === F_MORE) break;
      // Espruino has no TypedArray copyWithin: shift by hand.
      for (let i = f.used; i < rn; i++) rx[i - f.used] = rx[i] as number;
      rn -= f.used;
      if (onFrame(f.kind, f.tfi, f.data)) return;
    }
    if (!phase) return;
    if (clock.now() >= due) {
      me.stats.timeouts++;
      if (left > 0) send();
      else finish(E_APP_NFC_TIMEOUT, null);
      return;
    }
    clock.setTimer(o.pollMs, poll);
  };

  const send = (): void => {
    left--;
    rn = 0;
    phase = 1;
    nacked = false;
    bus.write(frame);
    due = clock.now() + o.ackMs;
    clock.setTimer(o.pollMs, poll);
  };

  const command = (c: number, params: Uint8Array, cb: Done): void => {
    if (done) {
      cb(E_APP_NFC_FRAME, null);
      return;
    }
    cmd = c;
    // The receive buffer exists only while a command is in flight: between polls the reader holds none.
    me.rx = new Uint8Array(RX_MAX);
    frame = encodeCommand(c, params);
    left = o.tries;
    done = cb;
    send();
  };

  const init = (cb: (err: number) => void): void => {
    // HSU wake-up (UM0701 §7.2.11 / AN10609): 55 55 then zeros long enough for the oscillator to start.
    const wake = new Uint8Array(bus.hsu ? 16 : 1);
    if (bus.hsu) wake[0] = wake[1] = 0x55;
    bus.write(wake);
    // SAMConfiguration: normal mode, virtual-card timeout 1 s (0x14 × 50 ms), IRQ pin used.
    command(CMD_SAM_CONFIG, new Uint8Array([1, 0x14, 1]), (err) => {
      if (err) {
        cb(err);
        return;
      }
      // RFConfiguration item 5 (MaxRetries): ATR 0xFF, PSL 1, passive activation 1, so a poll with no target
      // returns "0 targets" at once instead of waiting forever.
      command(CMD_RF_CONFIG, new Uint8Array([5, 0xff, 1, 1]), (err2) => {
        me.ready = !err2;
        cb(err2);
      });
    });
  };

  const detect = (cb: (err: number, found: number) => void): void => {
    if (!me.ready) {
      // A successful init leaves the chip ready, so the second call goes straight to the poll.
      init((err) => {
        if (err) cb(err, NFC_NONE);
        else detect(cb);
      });
      return;
    }
    command(CMD_IN_LIST_PASSIVE, new Uint8Array([1, 0]), (err, d) => {
      if (err || !d) {
        cb(err || E_APP_NFC_FRAME, NFC_NONE);
        return;
      }
      // NbTg Tg SENS_RES(2) SEL_RES NFCIDLength NFCID… [ATS]: keep Tg and SEL_RES, never the NFCID.
      if (d[0] === 0 || d.length < 6) {
        d.fill(0);
        cb(0, NFC_NONE);
        return;
      }
      tg = d[1] as number;
      const sel = d[4] as number;
      d.fill(0);
      cb(0, sel & 0x20 ? NFC_ISODEP : NFC_OTHER);
    });
  };

  me.command = command;
  me.init = init;
  me.detect = detect;
  me.apdu = (c: Uint8Array, cb: (err: number, resp: Uint8Array | null) => void) => {
    const p = new Uint8Array(c.length + 1);
    p[0] = tg;
    p.set(c, 1);
    command(CMD_IN_DATA_EXCHANGE, p, (err, d) => {
      if (err || !d) cb(err || E_APP_NFC_FRAME, null);
      // Status byte: bits 0..5 are the error code (UM0701 §7.1); 0 = success.
      else if (((d[0] as number) & 0x3f) !== 0) cb(E_APP_NFC_FRAME, null);
      else cb(0, new Uint8Array(d.subarray(1)));
    });
  };
  me.release = (cb: (err: number) => void) => {
    command(CMD_IN_RELEASE, new Uint8Array([0]), (err) => {
      cb(err);
    });
  };
  return me;
}

/** `new Pn532(bus, clock, o)`: the same driver for callers that construct it (the simulator's driver tests). */
export const Pn532 = pn532 as unknown as new (bus: Pn532Bus, clock: Clock, o: Pn532Options) => Pn532Driver;
