/**
 * PN532 driver (UM0701-02 §7) over a byte bus (I2C or HSU), implementing the NfcFrontEnd port. Every command
 * waits for the ACK frame, then the response frame; a timeout retries the command, and a chip that stops
 * answering is re-woken and re-configured (SAM) before the next use. The anti-collision UID in the
 * InListPassiveTarget response is never copied out of the receive buffer, which is zeroed after parsing.
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

export class Pn532 implements NfcFrontEnd {
  bus: Pn532Bus;
  clock: Clock;
  o: Pn532Options;
  /** false until wake + SAM succeeded; any exhausted command clears it so the next use recovers. */
  ready: boolean;
  tg: number;
  rx: Uint8Array;
  rn: number;
  // The command in flight: code, frame, attempts left, phase (1 = awaiting ACK, 2 = awaiting response).
  cmd: number;
  frame: Uint8Array;
  left: number;
  phase: number;
  nacked: boolean;
  due: number;
  timer: number;
  done: Done | null;
  /** Counters for health and tests. */
  stats: { timeouts: number; bad: number; recover: number };

  constructor(bus: Pn532Bus, clock: Clock, o: Pn532Options) {
    this.bus = bus;
    this.clock = clock;
    this.o = o;
    this.ready = false;
    this.tg = 0;
    this.rx = new Uint8Array(0);
    this.rn = 0;
    this.cmd = 0;
    this.frame = new Uint8Array(0);
    this.left = 0;
    this.phase = 0;
    this.nacked = false;
    this.due = 0;
    this.timer = -1;
    this.done = null;
    this.stats = { timeouts: 0, bad: 0, recover: 0 };
  }

  /** Sends one command and calls back with the response parameters (after the response code). */
  command(cmd: number, params: Uint8Array, cb: Done): void {
    if (this.done) {
      cb(E_APP_NFC_FRAME, null);
      return;
    }
    this.cmd = cmd;
    // The receive buffer exists only while a command is in flight: between polls the reader holds none.
    this.rx = new Uint8Array(RX_MAX);
    this.frame = encodeCommand(cmd, params);
    this.left = this.o.tries;
    this.done = cb;
    this.send();
  }

  send(): void {
    this.left--;
    this.rn = 0;
    this.phase = 1;
    this.nacked = false;
    this.bus.write(this.frame);
    this.due = this.clock.now() + this.o.ackMs;
    this.arm();
  }

  arm(): void {
    this.timer = this.clock.setTimer(this.o.pollMs, () => {
      this.timer = -1;
      this.poll();
    });
  }

  finish(err: number, data: Uint8Array | null): void {
    const cb = this.done;
    this.done = null;
    this.phase = 0;
    this.rx.fill(0);
    // Nothing of the command outlives it: receive buffer and command frame both go (see command()).
    this.rx = this.frame = new Uint8Array(0);
    this.rn = 0;
    if (err) this.ready = false;
    if (cb) cb(err, data);
  }

  poll(): void {
    if (!this.phase) return;
    const got = this.bus.read(this.phase === 1 ? 6 : RX_MAX - 1);
    if (got.length > 0) {
      const room = RX_MAX - this.rn;
      // An overfull buffer is garbage by construction (no frame is that long): restart from the new bytes.
      if (got.length > room) this.rn = 0;
      this.rx.set(got.subarray(0, Math.min(got.length, RX_MAX)), this.rn);
      this.rn += Math.min(got.length, RX_MAX);
    }
    while (this.phase) {
      const f = decodePn532(this.rx, 0, this.rn);
      if (f.kind === F_MORE) break;
      // Espruino has no TypedArray copyWithin: shift by hand.
      for (let i = f.used; i < this.rn; i++) this.rx[i - f.used] = this.rx[i] as number;
      this.rn -= f.used;
      if (this.onFrame(f.kind, f.tfi, f.data)) return;
    }
    if (!this.phase) return;
    if (this.clock.now() >= this.due) {
      this.stats.timeouts++;
      if (this.left > 0) this.send();
      else this.finish(E_APP_NFC_TIMEOUT, null);
      return;
    }
    this.arm();
  }

  /** Handles one decoded frame; true when the command finished. */
  onFrame(kind: number, tfi: number, data: Uint8Array): boolean {
    if (this.phase === 1) {
      if (kind === F_ACK) {
        this.phase = 2;
        this.due = this.clock.now() + this.o.respMs;
      }
      return false;
    }
    if (kind === F_DATA && tfi === 0xd5 && data[0] === this.cmd + 1) {
      this.finish(0, new Uint8Array(data.subarray(1)));
      return true;
    }
    if (kind === F_BAD && !this.nacked) {
      // UM0701 §6.2.1.3: a NACK asks the chip to send its last response again.
      this.stats.bad++;
      this.nacked = true;
      this.bus.write(NACK_FRAME);
      this.due = this.clock.now() + this.o.respMs;
      return false;
    }
    if (kind === F_ACK || kind === F_NACK) return false;
    this.stats.bad++;
    this.finish(E_APP_NFC_FRAME, null);
    return true;
  }

  init(cb: (err: number) => void): void {
    // HSU wake-up (UM0701 §7.2.11 / AN10609): 55 55 then zeros long enough for the oscillator to start.
    const wake = new Uint8Array(this.bus.hsu ? 16 : 1);
    if (this.bus.hsu) wake[0] = wake[1] = 0x55;
    this.bus.write(wake);
    this.stats.recover++;
    // SAMConfiguration: normal mode, virtual-card timeout 1 s (0x14 × 50 ms), IRQ pin used.
    this.command(CMD_SAM_CONFIG, new Uint8Array([1, 0x14, 1]), (err) => {
      if (err) {
        cb(err);
        return;
      }
      // RFConfiguration item 5 (MaxRetries): ATR 0xFF, PSL 1, passive activation 1, so a poll with no target
      // returns "0 targets" at once instead of waiting forever.
      this.command(CMD_RF_CONFIG, new Uint8Array([5, 0xff, 1, 1]), (err2) => {
        this.ready = !err2;
        cb(err2);
      });
    });
  }

  detect(cb: (err: number, found: number) => void): void {
    if (!this.ready) {
      // A successful init leaves the chip ready, so the second call goes straight to the poll.
      this.init((err) => {
        if (err) cb(err, NFC_NONE);
        else this.detect(cb);
      });
      return;
    }
    this.command(CMD_IN_LIST_PASSIVE, new Uint8Array([1, 0]), (err, d) => {
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
      this.tg = d[1] as number;
      const sel = d[4] as number;
      d.fill(0);
      cb(0, sel & 0x20 ? NFC_ISODEP : NFC_OTHER);
    });
  }

  apdu(cmd: Uint8Array, cb: (err: number, resp: Uint8Array | null) => void): void {
    const p = new Uint8Array(cmd.length + 1);
    p[0] = this.tg;
    p.set(cmd, 1);
    this.command(CMD_IN_DATA_EXCHANGE, p, (err, d) => {
      if (err || !d) cb(err || E_APP_NFC_FRAME, null);
      // Status byte: bits 0..5 are the error code (UM0701 §7.1); 0 = success.
      else if (((d[0] as number) & 0x3f) !== 0) cb(E_APP_NFC_FRAME, null);
      else cb(0, new Uint8Array(d.subarray(1)));
    });
  }

  release(cb: (err: number) => void): void {
    this.command(CMD_IN_RELEASE, new Uint8Array([0]), (err) => {
      cb(err);
    });
  }
}
