/**
 * A PN532 NFC controller emulator speaking the real frame protocol (UM0701-02 §6.2) on a virtual I2C bus
 * (address 0x24, status byte first on every read) and on HSU (a UART byte stream), with one virtual tag in
 * its field. It reuses the firmware's frame codec so both ends agree byte for byte; the codec itself is
 * checked against the frames printed in the user manual. Faults are data: `mute` (the chip stops answering
 * until woken again), `corrupt` (the next response frame gets a bad DCS), `sleep()` (a brown-out: the chip
 * forgets its configuration and needs a wake-up).
 */
import {
  ACK_FRAME,
  decodePn532,
  ERROR_FRAME,
  encodePn532,
  F_ACK,
  F_DATA,
  F_MORE,
  F_NACK,
  TFI_CHIP,
  TFI_HOST,
} from '@badgewire/firmware';

export const PN532_I2C_ADDR = 0x24;

/** A contactless target in the field (an ISO 14443-A card or an emulated tag). */
export interface VirtualTag {
  /** 4 or 7 bytes. Sent in the InListPassiveTarget response only, as the real chip does. */
  uid: Uint8Array;
  /** Supports ISO 14443-4 (SEL_RES bit 6 = 0x20). */
  isoDep: boolean;
  /** Answers one APDU (response ends with SW1 SW2); null = the target did not answer. */
  transceive(apdu: Uint8Array): Uint8Array | null;
  /** Called with false when the reader releases the target or it leaves the field. */
  field?(on: boolean): void;
}

export interface Pn532Stats {
  frames: number;
  commands: number[];
  nacks: number;
  wakes: number;
}

export class VirtualPn532 {
  /** The chip stops answering entirely (no ACK, no response) until set false again. */
  mute = false;
  /** The next N response frames get a corrupted DCS. */
  corrupt = 0;
  /** Firmware version reported by GetFirmwareVersion: IC, Ver, Rev, Support (PN532 v1.6). */
  version = new Uint8Array([0x32, 0x01, 0x06, 0x07]);
  readonly stats: Pn532Stats = { frames: 0, commands: [], nacks: 0, wakes: 0 };

  private awake = false;
  private sam = false;
  private tag: VirtualTag | null = null;
  private selected = false;
  private rx: number[] = [];
  private out: Uint8Array[] = [];
  private last: Uint8Array | null = null;
  private uartTx: ((b: Uint8Array) => void) | null = null;

  /** Puts a tag into the field (null removes it). */
  place(tag: VirtualTag | null): void {
    if (this.tag && this.tag !== tag) this.tag.field?.(false);
    this.tag = tag;
    this.selected = false;
  }

  get configured(): boolean {
    return this.awake && this.sam;
  }

  /** Brown-out: state lost, the next command needs a wake-up and SAMConfiguration again. */
  sleep(): void {
    this.awake = false;
    this.sam = false;
    this.selected = false;
    this.rx = [];
    this.out = [];
  }

  // I2C side (UM0701 §6.2.4): every read returns the status byte (bit 0 = ready) then one whole frame.
  i2cWrite(addr: number, data: Uint8Array): void {
    if (addr !== PN532_I2C_ADDR || this.mute) return;
    if (!this.awake) {
      // I2C address match wakes the chip; the bytes of that transaction are lost.
      this.awake = true;
      this.stats.wakes++;
      return;
    }
    this.feed(data);
  }

  i2cRead(addr: number, n: number): Uint8Array {
    const b = new Uint8Array(n);
    if (addr !== PN532_I2C_ADDR || this.mute || n === 0) return b;
    const f = this.out.shift();
    if (!f) return b;
    b[0] = 1;
    b.set(f.subarray(0, n - 1), 1);
    return b;
  }

  // HSU side (UM0701 §6.2.3): bytes in, bytes out through the callback.
  uartOnTx(cb: (b: Uint8Array) => void): void {
    this.uartTx = cb;
  }

  uartWrite(data: Uint8Array): void {
    if (this.mute) return;
    if (!this.awake) {
      // HSU needs the 0x55 wake-up preamble (UM0701 §7.2.11).
      if (data.indexOf(0x55) < 0) return;
      this.awake = true;
      this.stats.wakes++;
    }
    this.feed(data);
  }

  private emit(frame: Uint8Array): void {
    if (frame.length > 6 && this.corrupt > 0) {
      this.corrupt--;
      frame = new Uint8Array(frame);
      frame[frame.length - 2] = ((frame[frame.length - 2] as number) + 1) & 255;
    }
    if (this.uartTx) this.uartTx(frame);
    else this.out.push(frame);
  }

  private feed(data: Uint8Array): void {
    for (const v of data) this.rx.push(v);
    if (this.rx.length > 600) this.rx = this.rx.slice(-300);
    for (;;) {
      const buf = Uint8Array.from(this.rx);
      const f = decodePn532(buf, 0, buf.length);
      if (f.kind === F_MORE) return;
      this.rx = this.rx.slice(f.used);
      if (f.kind === F_NACK) {
        this.stats.nacks++;
        if (this.last) this.emit(this.last);
      } else if (f.kind === F_DATA && f.tfi === TFI_HOST && f.data.length > 0) {
        this.stats.frames++;
        this.emit(ACK_FRAME);
        this.respond(f.data);
      } else if (f.kind === F_ACK) {
        // A host ACK aborts the command in progress; nothing is pending here.
      }
      // Bad checksums get no ACK, as on the real chip: the host times out and resends.
    }
  }

  private respond(body: Uint8Array): void {
    const cmd = body[0] as number;
    this.stats.commands.push(cmd);
    const p = body.subarray(1);
    let r: number[] | null = null;
    if (cmd === 0x02) r = Array.from(this.version);
    else if (cmd === 0x14) {
      this.sam = true;
      r = [];
    } else if (cmd === 0x32) r = [];
    else if (cmd === 0x4a) r = this.list(p);
    else if (cmd === 0x40) r = this.exchange(p);
    else if (cmd === 0x52) {
      if (this.selected) this.tag?.field?.(false);
      this.selected = false;
      r = [0];
    }
    if (r === null) {
      this.last = ERROR_FRAME;
      this.emit(ERROR_FRAME);
      return;
    }
    const frame = encodePn532(TFI_CHIP, Uint8Array.from([cmd + 1, ...r]));
    this.last = frame;
    this.emit(frame);
  }

  private list(p: Uint8Array): number[] {
    // MaxTg, BrTy: only 106 kbps type A (BrTy 0) is modelled.
    if (!this.sam || p[1] !== 0 || !this.tag) return [0];
    this.selected = true;
    this.tag.field?.(true);
    const t = this.tag;
    const sel = t.isoDep ? 0x20 : 0x00;
    const ats = t.isoDep ? [0x05, 0x75, 0x77, 0x81, 0x02, 0x80] : [];
    return [1, 1, 0x00, 0x44, sel, t.uid.length, ...t.uid, ...ats];
  }

  private exchange(p: Uint8Array): number[] {
    // Status 0x01 = timeout (UM0701 Table 70): no selected target or it did not answer.
    if (!this.selected || !this.tag || p[0] !== 1) return [0x01];
    if (!this.tag.isoDep) return [0x27]; // improper command for this target
    const resp = this.tag.transceive(new Uint8Array(p.subarray(1)));
    if (!resp) return [0x01];
    return [0x00, ...resp];
  }
}
