/**
 * NFC taps: polls the front end for a type A target and reads one credential per field session.
 *
 *   badgewire badge (ISO-DEP, AID F0 "BWTAP"): mode C with a host-issued challenge when one is in the pool,
 *     otherwise mode S (counter only);
 *   anything else with an NDEF application (NTAG 424 DNA with SUN): mode N, the NDEF message as read.
 *
 * The result is forwarded as opaque ciphertext; the reader decides nothing from it. A target must leave the
 * field (one poll with no target) before it is read again, so a badge resting on the reader is one tap.
 * A front-end error backs off and retries; the driver re-wakes the chip on the next use. The fixed APDUs (apdu.ts
 * lists them) are literals where they are sent, so their bytes stay in flash between taps.
 */
import type { Clock, NfcFrontEnd } from '../ports';
import { NFC_ISODEP, NFC_NONE } from '../ports';
import { body, challengeApdu, INS_READ, NDEF_MAX, readBinary, SW_OK, sw, TAP_LEN } from './apdu';
import { KIND_CHALLENGE, KIND_COUNTER, KIND_SUN } from './msg';

export interface TapOptions {
  pollMs: number;
  backoffMs: number;
}

/** `kind` is KIND_CHALLENGE / KIND_COUNTER / KIND_SUN; `chal` is the challenge used (kind CHALLENGE). */
export type OnTap = (kind: number, frame: Uint8Array, chal: Uint8Array | null) => void;

export class Taps {
  nfc: NfcFrontEnd;
  clock: Clock;
  pollMs: number;
  backoff: number;
  onTap: OnTap;
  takeChal: () => Uint8Array | null;
  armed: boolean;
  errors: number;
  running: boolean;

  constructor(
    nfc: NfcFrontEnd,
    clock: Clock,
    o: TapOptions,
    onTap: OnTap,
    takeChal: () => Uint8Array | null,
  ) {
    this.nfc = nfc;
    this.clock = clock;
    this.pollMs = o.pollMs;
    this.backoff = o.backoffMs;
    this.onTap = onTap;
    this.takeChal = takeChal;
    this.armed = true;
    this.errors = 0;
    this.running = false;
  }

  start(): void {
    this.running = true;
    this.later(0);
  }

  later(ms: number): void {
    if (!this.running) return;
    this.clock.setTimer(ms, () => {
      this.poll();
    });
  }

  poll(): void {
    this.nfc.detect((err: number, found: number) => {
      if (err) {
        this.errors++;
        this.later(this.backoff);
      } else if (found === NFC_NONE) {
        this.armed = true;
        this.later(this.pollMs);
      } else if (!this.armed) this.done();
      else {
        this.armed = false;
        if (found === NFC_ISODEP) this.badge();
        else this.done();
      }
    });
  }

  /** Releases the target and schedules the next poll. */
  done(): void {
    this.nfc.release(() => {
      this.later(this.pollMs);
    });
  }

  fail(): void {
    this.errors++;
    this.done();
  }

  badge(): void {
    this.nfc.apdu(
      new Uint8Array([0, 0xa4, 4, 0, 6, 0xf0, 0x42, 0x57, 0x54, 0x41, 0x50, 0]),
      (err: number, r: Uint8Array | null) => {
        if (err) this.fail();
        else if (sw(r) !== SW_OK) this.ndef();
        else {
          const chal = this.takeChal();
          this.nfc.apdu(
            chal ? challengeApdu(chal) : new Uint8Array([0x80, INS_READ, 0, 0, TAP_LEN]),
            (e2: number, r2: Uint8Array | null) => {
              if (e2 || sw(r2) !== SW_OK || (r2 as Uint8Array).length !== TAP_LEN + 2) this.fail();
              else {
                this.onTap(chal ? KIND_CHALLENGE : KIND_COUNTER, body(r2 as Uint8Array), chal);
                this.done();
              }
            },
          );
        }
      },
    );
  }

  /** NFC Forum T4T NDEF read (T4T §5.4): select app, select file E104, read NLEN, read the message. */
  ndef(): void {
    const nfc = this.nfc;
    nfc.apdu(
      new Uint8Array([0, 0xa4, 4, 0, 7, 0xd2, 0x76, 0, 0, 0x85, 1, 1, 0]),
      (e1: number, r1: Uint8Array | null) => {
        if (e1 || sw(r1) !== SW_OK) return this.fail();
        nfc.apdu(new Uint8Array([0, 0xa4, 0, 0x0c, 2, 0xe1, 0x04]), (e2: number, r2: Uint8Array | null) => {
          if (e2 || sw(r2) !== SW_OK) return this.fail();
          nfc.apdu(readBinary(0, 2), (e3: number, r3: Uint8Array | null) => {
            if (e3 || sw(r3) !== SW_OK || (r3 as Uint8Array).length !== 4) return this.fail();
            const n = (((r3 as Uint8Array)[0] as number) << 8) | ((r3 as Uint8Array)[1] as number);
            if (n === 0 || n > NDEF_MAX) return this.fail();
            nfc.apdu(readBinary(2, n), (e4: number, r4: Uint8Array | null) => {
              if (e4 || sw(r4) !== SW_OK || (r4 as Uint8Array).length !== n + 2) return this.fail();
              this.onTap(KIND_SUN, body(r4 as Uint8Array), null);
              this.done();
            });
          });
        });
      },
    );
  }
}
