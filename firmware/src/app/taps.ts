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
 * lists them) are literals where they are sent, so their bytes stay in flash between taps. A closure, not a
 * class: locals minify, `this.x` does not (issue #4).
 */
import type { Clock, NfcFrontEnd } from '../ports';
import { NFC_ISODEP } from '../ports';
import { INS_CHALLENGE, INS_READ, NDEF_MAX, TAP_LEN } from './apdu';
import { NFC_POLL_MS } from './limits';
import { FLAG_NFC, KIND_CHALLENGE, KIND_COUNTER, KIND_SUN } from './msg';

/** `kind` is KIND_CHALLENGE (the challenge takeChal gave out last) / KIND_COUNTER / KIND_SUN. */
export type OnTap = (kind: number, frame: Uint8Array) => void;

/**
 * Starts polling for the reader's lifetime (a test that reboots a reader gives the new one its own clock);
 * `fault` hears of every front-end error and failed read (a health flag).
 */
export function taps(
  nfc: NfcFrontEnd,
  clock: Clock,
  onTap: OnTap,
  takeChal: () => Uint8Array | undefined,
  fault: (flag: number) => void,
): void {
  let armed = true;

  const later = (ms: number): void => {
    clock.setTimer(ms, poll);
  };

  /** Releases the target and schedules the next poll. */
  const done = (): void => {
    nfc.release(() => {
      later(NFC_POLL_MS);
    });
  };

  const fail = (): void => {
    fault(FLAG_NFC);
    done();
  };

  /**
   * One APDU of a read: `next` gets the response when it ends in 90 00 (and is `len` bytes long, when given);
   * otherwise the read fails, or goes on with `other` when the target answered with another status.
   */
  const xfer = (
    cmd: number[] | Uint8Array,
    len: number,
    next: (r: Uint8Array) => void,
    other?: () => void,
  ): void => {
    // Commands are written as plain arrays (shorter in the bundle); the port takes bytes.
    nfc.apdu(new Uint8Array(cmd), (e: number, r: Uint8Array | null) => {
      if (!e && r && r[r.length - 2] === 0x90 && !r[r.length - 1] && (!len || r.length === len)) next(r);
      else if (e || !other) fail();
      else other();
    });
  };

  /** The read's result, without the status word. */
  const got = (kind: number, r: Uint8Array): void => {
    // A view, not a copy: the app encodes it into the event at once.
    onTap(kind, r.subarray(0, r.length - 2));
    done();
  };

  /** NFC Forum T4T NDEF read (T4T §5.4): select app, select file E104, read NLEN, read the message. */
  const ndef = (): void => {
    xfer([0, 0xa4, 4, 0, 7, 0xd2, 0x76, 0, 0, 0x85, 1, 1, 0], 0, () => {
      xfer([0, 0xa4, 0, 0x0c, 2, 0xe1, 0x04], 0, () => {
        // READ BINARY (00 B0 offset Le): NLEN at 0, then the message after it.
        xfer([0, 0xb0, 0, 0, 2], 4, (r: Uint8Array) => {
          const n = ((r[0] as number) << 8) | (r[1] as number);
          if (n && n <= NDEF_MAX)
            xfer([0, 0xb0, 0, 2, n], n + 2, (r2: Uint8Array) => {
              got(KIND_SUN, r2);
            });
          else fail();
        });
      });
    });
  };

  const poll = (): void => {
    nfc.detect((err: number, found: number) => {
      if (err) {
        fault(FLAG_NFC);
        return later(1000);
      }
      // Every step below continues on a timer or a callback, so `armed` is updated after them in time.
      if (!found) later(NFC_POLL_MS);
      else if (!armed || found !== NFC_ISODEP) done();
      else
        xfer(
          [0, 0xa4, 4, 0, 6, 0xf0, 0x42, 0x57, 0x54, 0x41, 0x50, 0],
          0,
          () => {
            const chal = takeChal();
            // CHALLENGE (80 10 00 00 08 chal 21) or READ (80 12 00 00 21), as apdu.ts lists them.
            const cmd = new Uint8Array(chal ? 14 : 5);
            cmd.set([0x80, chal ? INS_CHALLENGE : INS_READ, 0, 0, chal ? 8 : TAP_LEN]);
            if (chal) {
              cmd.set(chal, 5);
              cmd[13] = TAP_LEN;
            }
            xfer(cmd, TAP_LEN + 2, (r: Uint8Array) => {
              got(chal ? KIND_CHALLENGE : KIND_COUNTER, r);
            });
          },
          ndef,
        );
      armed = !found;
    });
  };

  later(0);
}
