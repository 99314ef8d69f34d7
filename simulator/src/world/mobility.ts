/**
 * How attendees move through the venue: arrival through an entrance door (a credential tap), then dwelling in
 * the hall, booths and session rooms with a walking time between places, and a booth tap for some visits.
 * Pure over the world's scenario, reader placement and a seeded PRNG, so the same seed gives the same walk.
 */
import { TAP_CHALLENGE, TAP_COUNTER, TAP_SUN } from '@badgewire/protocol';
import type { SeededRandom } from '../random';
import type { McuBadge } from './badges';
import { FirmwareReader } from './firmware-reader';
import type { Place, Scenario } from './scenario';
import type { Agent, ReaderNode } from './world-types';

export interface Mobility {
  sc: Scenario;
  byPlace: Map<string, ReaderNode[]>;
  rng: SeededRandom;
  nowS(): number;
  /** Hands a tap frame to reader `n` (the world's `tapAt`). */
  tapAt(
    n: ReaderNode,
    frame: Uint8Array,
    kind: number,
    chalId: number | undefined,
    meta: { expectAllow: boolean; attack: null },
  ): number;
}

interface PlaceLists {
  entrance: Place;
  hall: Place;
  halls: Place[];
  booths: Place[];
  rooms: Place[];
}

/** The scenario's places by kind, built once per scenario (a move used to filter every place). */
const listsOf = new WeakMap<Scenario, PlaceLists>();

function placeLists(sc: Scenario): PlaceLists {
  let l = listsOf.get(sc);
  if (!l) {
    const ps = sc.places;
    l = {
      entrance: ps.find((p) => p.kind === 'entrance') as Place,
      hall: ps.find((p) => p.kind === 'hall') as Place,
      halls: ps.filter((p) => p.kind === 'hall'),
      booths: ps.filter((p) => p.kind === 'booth'),
      rooms: ps.filter((p) => p.kind === 'room'),
    };
    listsOf.set(sc, l);
  }
  return l;
}

export function moveAgent(m: Mobility, g: Agent, el: number): void {
  const r = m.rng;
  const lists = placeLists(m.sc);
  if (g.place === null) {
    // Arrival: a tap at a door reader of the entrance.
    const entrance = lists.entrance;
    enterPlace(m, g, entrance);
    const doors = (m.byPlace.get(entrance.id) ?? []).filter((n) => n.spec.role === 'door' && !n.stolen);
    const door = doors[r.int(doors.length)];
    if (door) credentialTap(m, g, door, g.a.entitled);
    g.nextMoveS = el + 10 + r.int(20);
    return;
  }
  const kinds = r.next();
  const pool = kinds < 0.4 ? lists.halls : kinds < 0.75 ? lists.booths : lists.rooms;
  const hall = lists.hall;
  const next = pool[r.int(pool.length)] ?? hall;
  // Walk there through the hall at 1.2 m/s: nobody is heard in two far places within seconds.
  const from = g.place;
  const walkS =
    Math.hypot(next.x + next.w / 2 - (from.x + from.w / 2), next.y + next.h / 2 - (from.y + from.h / 2)) /
    1.2;
  enterPlace(m, g, hall);
  g.next = next;
  g.transitUntil = el + walkS;
  g.nextMoveS = el + walkS + Math.max(30, -Math.log(1 - r.next()) * m.sc.dwellS);
  if (next.kind === 'booth' && r.next() < m.sc.boothTapShare) {
    const booth = (m.byPlace.get(next.id) ?? []).find((n) => n.spec.role === 'booth');
    if (booth) credentialTap(m, g, booth, true);
  }
}

export function enterPlace(m: Mobility, g: Agent, p: Place): void {
  g.place = p;
  g.x = p.x + m.rng.next() * p.w;
  g.y = p.y + m.rng.next() * p.h;
}

export function credentialTap(m: Mobility, g: Agent, n: ReaderNode, expect: boolean): void {
  // Firmware-run badges only advertise here: an NFC exchange with them needs a PN532 reader (firmware tests).
  if (!n.reader.powered || g.fw) return;
  const nowS = m.nowS();
  // A reader running the real firmware runs the NFC exchange itself over its PN532: the credential goes into
  // its field (a badge answers the challenge the firmware picks and shows its UID, which the firmware drops).
  if (n.reader instanceof FirmwareReader)
    n.reader.next = g.tag ? {} : { badge: g.badge as McuBadge, uid: g.a.nfcUid };
  if (g.tag) {
    m.tapAt(n, g.tag.tap(), TAP_SUN, undefined, { expectAllow: expect, attack: null });
    return;
  }
  const badge = g.badge as McuBadge;
  if (n.spec.role === 'door') {
    const c = n.reader.takeChallenge();
    if (c) {
      m.tapAt(n, badge.tap(nowS, c.bytes), TAP_CHALLENGE, c.id, { expectAllow: expect, attack: null });
      return;
    }
  }
  m.tapAt(n, badge.tap(nowS, null), TAP_COUNTER, undefined, { expectAllow: expect, attack: null });
}
