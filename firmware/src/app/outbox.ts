/**
 * The durable offline queue: a bounded ring of encoded events in flash (Storage files `bwq<slot>`, each
 * `BE32 seq ‖ event`), surviving reboots. Each event carries a reader sequence number that never repeats,
 * so the host journals it exactly once in effect however often it is retransmitted; an ACK(seq) removes
 * everything up to seq. When full, the oldest event is dropped and counted (health reports it): a bounded
 * ring is the stated trade-off for a device with 40 KB of flash. Stored bytes are events as sent (badge
 * ciphertext and reader metadata), never anything else.
 *
 * Flash wear: a stored event costs one record write and, once acknowledged, one erase. While the host is
 * online, sightings are held in a small RAM window instead (`store(bytes, true)`): they reach flash only when
 * the window is full, at link loss, or when the host has made no acknowledgement progress for a retransmission
 * timeout (HostLink's heartbeat calls `spill`). The host acknowledges only what it has stored durably, so an
 * acknowledged event is never lost; taps, and every event while the host is unreachable, are in flash before
 * they are sent. A power cut can lose the held, unacknowledged sightings: at most the last round trip while
 * the host keeps acknowledging, a retransmission timeout when it stalls. A sighting is one sample of a badge
 * that advertises every few seconds and is forwarded again after the de-dup window, so nothing is lost that
 * the reader does not see again. Sightings are held only while no older event waits in flash, so what a power
 * cut loses is always the whole unacknowledged tail: the rebuilt queue then has no hole, and numbering resumes
 * past every lost seq. The meta record `bwq` ({h: scan start, r: seq reservation, lost}) is rewritten only
 * every RESERVE events: after a reboot the queue is rebuilt by scanning the slots between h and r, and
 * numbering resumes after the last record found (or at r when none is left, which the post-handshake ACK base
 * tells the host to skip to). A closure, not a class: locals minify, `this.x` does not (issue #4).
 */
import { readU32BE, writeU32BE } from '@badgewire/protocol/device';
import type { Flash } from '../ports';

const META = 'bwq';
const RESERVE = 128;
/**
 * Sightings held in RAM at most: a burst of badges passing the reader arrives faster than one round trip. Each
 * held sighting is ~60 bytes, about 9 JsVars, so a full window borrows ~300 of the pool until acknowledged.
 */
const WINDOW = 32;

interface Meta {
  h: number;
  r: number;
  lost: number;
}

export interface Outbox {
  /** Oldest unacknowledged seq. */
  head: number;
  /** Next seq to assign. */
  next: number;
  /** Events the full ring dropped (persisted in the meta record). */
  lost: number;
  size(): number;
  /**
   * Queues the encoded event under seq `next` (the reservation is persisted before use); `hold` keeps it in the
   * RAM window instead of flash (a sighting while the host is online).
   */
  store(bytes: Uint8Array, hold: boolean): number;
  /** Writes every event of the RAM window to flash, in order. */
  spill(): void;
  get(seq: number): Uint8Array | undefined;
  /**
   * Drops every event up to and including `seq`. A host that has stored more than this reader ever sent (the
   * reader's flash was wiped) moves the numbering past it, so no new event reuses a seq the host has seen.
   */
  ack(seq: number): void;
}

export function outbox(flash: Flash, cap: number): Outbox {
  const m = flash.readJSON(META, true) as Meta | undefined;
  const ok = m && typeof m.h === 'number' && typeof m.r === 'number' && m.h >= 1 && m.h <= m.r;
  const h = ok ? (m as Meta).h : 1;
  /** Every seq below this may have been used (persisted ahead of use). */
  let resv = ok ? (m as Meta).r : 1;
  /** Events from seq `disk` on are held in RAM (`mem[i]` is seq disk + i); everything before is in flash. */
  let disk = Infinity;
  let mem: Uint8Array[] = [];
  const me = { lost: ok ? (m as Meta).lost || 0 : 0 } as Outbox;

  const name = (seq: number): string => {
    return META + (seq % cap);
  };

  const save = (): void => {
    flash.writeJSON(META, { h: me.head, r: resv, lost: me.lost });
  };

  const get = (seq: number): Uint8Array | undefined => {
    if (seq >= disk) return mem[seq - disk];
    const ab = flash.readArrayBuffer(name(seq));
    const b = ab ? new Uint8Array(ab) : null;
    if (!b || b.length < 4) return undefined;
    // A slot holds one seq at a time (its first 4 bytes): a record of another seq means this one is gone.
    return readU32BE(b, 0) === seq ? new Uint8Array(b.subarray(4)) : undefined;
  };

  const spill = (): void => {
    for (let i = 0; i < mem.length; i++) {
      const seq = disk + i;
      const b = mem[i] as Uint8Array;
      const rec = new Uint8Array(b.length + 4);
      writeU32BE(rec, 0, seq);
      rec.set(b, 4);
      flash.write(name(seq), rec);
    }
    disk = me.next;
    mem = [];
  };

  const ack = (seq: number): void => {
    if (seq < me.head) return;
    const to = Math.min(seq + 1, me.next);
    for (let s = me.head; s < to && s < disk; s++) flash.erase(name(s));
    if (to > disk) {
      mem.splice(0, to - disk);
      disk = to;
    }
    me.head = to;
    if (seq >= me.next) {
      me.head = me.next = disk = seq + 1;
      if (me.next >= resv) {
        resv = me.next + RESERVE;
        save();
      }
    }
  };

  // Rebuild: scan the slots between the persisted scan start and reservation (disk is still infinite, so every
  // get reads flash).
  let first = -1;
  let last = -1;
  for (let s = h; s < resv; s++) {
    if (get(s) === undefined) continue;
    if (first < 0) first = s;
    last = s;
  }
  me.head = first < 0 ? resv : first;
  me.next = first < 0 ? resv : last + 1;
  disk = me.next;
  me.size = () => me.next - me.head;
  me.store = (bytes: Uint8Array, hold: boolean) => {
    const seq = me.next;
    if (seq >= resv) {
      resv = seq + RESERVE;
      save();
    }
    if (me.next - me.head >= cap) {
      ack(me.head);
      me.lost++;
    }
    me.next = seq + 1;
    mem.push(bytes);
    // Held only while nothing older waits in flash: then a power cut leaves no unacknowledged record in flash,
    // the rebuilt queue is empty and numbering resumes at the persisted reservation, past every lost seq
    // (the post-handshake ACK base tells the host to skip them). A hole in the middle would stall the host.
    if (!hold || me.head !== disk || mem.length > WINDOW) spill();
    return seq;
  };
  me.spill = spill;
  me.get = get;
  me.ack = ack;
  return me;
}
