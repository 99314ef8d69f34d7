/**
 * The ISO 14443-4 (ISO-DEP) block layer a badge needs on top of raw NFC frames: RATS → ATS, I-blocks carrying
 * APDUs (the response echoes the PCB, so the block number toggles as the reader expects), S(DESELECT), and
 * an R(ACK)/R(NAK) answered with the last block. No chaining: every badgewire APDU fits one frame.
 */

// ATS: TL 02, T0 05 = FSCI 5 (frames up to 64 bytes), no TA/TB/TC: ISO 14443-4 §5.2.
export const ATS = new Uint8Array([0x02, 0x05]);

export class IsoDep {
  apdu: (cmd: Uint8Array) => Uint8Array;
  last: Uint8Array | null;

  constructor(apdu: (cmd: Uint8Array) => Uint8Array) {
    this.apdu = apdu;
    this.last = null;
  }

  reset(): void {
    this.last = null;
  }

  /** The answer to one raw frame, or null to stay silent. */
  frame(f: Uint8Array): Uint8Array | null {
    if (f.length === 0) return null;
    const pcb = f[0] as number;
    if (pcb === 0xe0 && f.length === 2) {
      this.last = null;
      return ATS;
    }
    if ((pcb & 0xe2) === 0x02) {
      // I-block; CID (bit 3) and NAD (bit 2) are not used by badgewire readers but are skipped if present.
      let o = 1;
      if (pcb & 0x08) o++;
      if (pcb & 0x04) o++;
      const r = this.apdu(new Uint8Array(f.subarray(o)));
      const out = new Uint8Array(r.length + o);
      for (let i = 0; i < o; i++) out[i] = f[i] as number;
      // Same block number (bit 0) and CID flag as the command; no NAD or chaining in answers.
      out[0] = 0x02 | (pcb & 0x09);
      out.set(r, o);
      this.last = out;
      return out;
    }
    if ((pcb & 0xe6) === 0xa2) return this.last;
    if ((pcb & 0xf7) === 0xc2) return new Uint8Array(f.subarray(0, f.length));
    return null;
  }
}
