/**
 * The simulated CRM: every attendee's canary PII, badge serial and NFC UID. It lives only in the simulator,
 * as a registration system would live off site. The host learns an attendee as an opaque reference plus the
 * badge keys the provisioning station derived; readers learn nothing at all.
 */
import { toHex } from '@badgewire/protocol';
import { attendeeCanaries, type Canary } from '../audit/index';
import type { SeededRandom } from '../random';
import type { Scenario } from './scenario';

export type Credential = 'mcu' | 'sun';

export interface Attendee {
  index: number;
  /** Opaque reference the host knows the attendee by: random, unrelated to any canary. */
  ref: string;
  credential: Credential;
  entitled: boolean;
  /** Host seconds after the event start. */
  arriveS: number;
  serial: Uint8Array;
  nfcUid: Uint8Array;
  canaries: Canary[];
}

/** Inverts the cumulative arrival curve at u in [0, 1). */
export function arrivalFraction(curve: [number, number][], u: number): number {
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1] as [number, number];
    const b = curve[i] as [number, number];
    if (u <= b[1] && b[1] > a[1]) return a[0] + ((u - a[1]) / (b[1] - a[1])) * (b[0] - a[0]);
  }
  return (curve[curve.length - 1] as [number, number])[0];
}

export class AttendeeRegistry {
  readonly all: Attendee[] = [];

  constructor(sc: Scenario, rng: SeededRandom) {
    const tag = toHex(Uint8Array.of(rng.int(256))).replace(
      /[0-9]/g,
      (d) => 'ghijklmnop'[Number(d)] as string,
    );
    for (let i = 0; i < sc.badges; i++) {
      const serial = new Uint8Array(8);
      rng.fill(serial);
      const nfcUid = new Uint8Array(7);
      rng.fill(nfcUid);
      nfcUid[0] = 0x04; // NXP manufacturer byte, as on real tags
      const refBytes = new Uint8Array(8);
      rng.fill(refBytes);
      this.all.push({
        index: i,
        ref: `a-${toHex(refBytes)}`,
        credential: rng.next() < sc.sunShare ? 'sun' : 'mcu',
        entitled: rng.next() < sc.entitledShare,
        arriveS: Math.floor(arrivalFraction(sc.arrivals, rng.next()) * sc.durationS * 0.9),
        serial,
        nfcUid,
        canaries: attendeeCanaries(i, tag, serial, nfcUid),
      });
    }
  }

  canaries(): Canary[] {
    return this.all.flatMap((a) => a.canaries);
  }
}
