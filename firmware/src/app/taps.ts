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
import { NFC_ISODEP, NFC_NONE } from '../ports';
import { body, challengeApdu, INS_READ, NDEF_MAX, readBinary, SW_OK, sw, TAP_LEN } from './apdu';
import { KIND_CHALLENGE, KIND_COUNTER, KIND_SUN } from './msg';

export interface TapOptions {
  pollMs: number;
  backoffMs: number;
}

/** `kind` is KIND_CHALLENGE / KIND_COUNTER / KIND_SUN; `chal` is the challenge used (kind CHALLENGE). */
export type OnTap = (kind: number, frame: Uint8Array, chal: Uint8Array | null) => void;

export interface Taps {
  /** Front-end errors and failed reads so far (a health flag). */
  errors: number;
  /** Polling runs while true; clearing it stops the loop at its next turn. */
  running: boolean;
  start(): void;
}

export function taps(
  nfc: NfcFrontEnd,
  clock: Clock,
  o: TapOptions,
  onTap: OnTap,
  takeChal: () => Uint8Array | null,
): Taps {
  const me = { errors: 0, running: false } as Taps;
  let armed = true;

  /** Releases the target and schedules the next poll. */
  const done = (): void => {
    nfc.release(() => {
      later(o.pollMs);
    });
  };

  const fail = (): void => {
    me.errors++;
    done();
  };

  /** NFC Forum T4T NDEF read (T4T §5.4): select app, select file E104, read NLEN, read the message. */
  const ndef = (): void => {
    nfc.apdu(
      new Uint8Array([0, 0xa4, 4, 0, 7, 0xd2, 0x76, 0, 0, 0x85, 1, 1, 0]),
      (e1: number, r1: Uint8Array | null) => {
        if (e1 || sw(r1) !== SW_OK) return fail();
        nfc.apdu(new Uint8Array([0, 0xa4, 0, 0x0c, 2, 0xe1, 0x04]), (e2: number, r2: Uint8Array | null) => {
          if (e2 || sw(r2) !== SW_OK) return fail();
          nfc.apdu(readBinary(0, 2), (e3: number, r3: Uint8Array | null) => {
            if (e3 || sw(r3) !== SW_OK || (r3 as Uint8Array).length !== 4) return fail();
            const n = (((r3 as Uint8Array)[0] as number) << 8) | ((r3 as Uint8Array)[1] as number);
            if (n === 0 || n > NDEF_MAX) return fail();
            nfc.apdu(readBinary(2, n), (e4: number, r4: Uint8Array | null) => {
              if (e4 || sw(r4) !== SW_OK || (r4 as Uint8Array).length !== n + 2) return fail();
              onTap(KIND_SUN, body(r4 as Uint8Array), null);
              done();
            });
          });
        });
      },
    );
  };

  const badge = (): void => {
    nfc.apdu(
      new Uint8Array([0, 0xa4, 4, 0, 6, 0xf0, 0x42, 0x57, 0x54, 0x41, 0x50, 0]),
      (err: number, r: Uint8Array | null) => {
        if (err) fail();
        else if (sw(r) !== SW_OK) ndef();
        else {
          const chal = takeChal();
          nfc.apdu(
            chal ? challengeApdu(chal) : new Uint8Array([0x80, INS_READ, 0, 0, TAP_LEN]),
            (e2: number, r2: Uint8Array | null) => {
              if (e2 || sw(r2) !== SW_OK || (r2 as Uint8Array).length !== TAP_LEN + 2) fail();
              else {
                onTap(chal ? KIND_CHALLENGE : KIND_COUNTER, body(r2 as Uint8Array), chal);
                done();
              }
            },
          );
        }
      },
    );
  };

  const poll = (): void => {
    nfc.detect((err: number, found: number) => {
      if (err) {
        me.errors++;
        later(o.backoffMs);
      } else if (found === NFC_NONE) {
        armed = true;
        later(o.pollMs);
      } else if (!armed) done();
      else {
        armed = false;
        if (found === NFC_ISODEP) badge();
        else done();
      }
    });
  };

  const later = (ms: number): void => {
    if (me.running) clock.setTimer(ms, poll);
  };

  me.start = () => {
    me.running = true;
    later(0);
  };
  return me;
}
