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
 * every OUTBOX_RESERVE events: after a reboot the queue is rebuilt by scanning the slots between h and r, and
 * numbering resumes after the last record found (or at r when none is left, which the post-handshake ACK base
 * tells the host to skip to). A closure, not a class: locals minify, `this.x` does not (issue #4).
 */
import { readU32BE, writeU32BE } from '@badgewire/protocol/device';
import type { Flash } from '../ports';
import { OUTBOX_RESERVE, OUTBOX_WINDOW } from './limits';

const META = 'bwq';
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
  // A missing, damaged or foreign meta record (readJSON gives undefined, or fields of the wrong type) restarts
  // at seq 1: `>>> 0` makes every field a number, so the checks below cannot be fooled by strings.
  const m = (flash.readJSON(META, true) || {}) as Meta;
  let h = m.h >>> 0;
  /** Every seq below this may have been used (persisted ahead of use). */
  let resv = m.r >>> 0;
  if (!h || h > resv) h = resv = 1;
  /**
   * Events not yet in flash, oldest first: `mem[i]` is seq next - mem.length + i (the RAM window). Everything
   * from the head up to there is in flash.
   */
  const mem: Uint8Array[] = [];
  const me = { lost: m.lost >>> 0 } as Outbox;

  const name = (seq: number): string => {
    return META + (seq % cap);
  };

  /** Persists a new reservation once numbering reaches the old one. */
  const reserve = (): void => {
    if (me.next >= resv) {
      resv = me.next + OUTBOX_RESERVE;
      flash.writeJSON(META, { h: me.head, r: resv, lost: me.lost });
    }
  };

  const get = (seq: number): Uint8Array | undefined => {
    const d = me.next - mem.length;
    if (seq >= d) return mem[seq - d];
    const ab = flash.readArrayBuffer(name(seq));
    const b = ab && new Uint8Array(ab);
    // A slot holds one seq at a time (its first 4 bytes): a record of another seq means this one is gone. The
    // view is read at once (sealed for the link), so it is not copied out of flash.
    if (b && b.length > 3 && readU32BE(b, 0) === seq) return b.subarray(4);
  };

  const spill = (): void => {
    while (mem.length) {
      const seq = me.next - mem.length;
      const b = mem.shift() as Uint8Array;
      const rec = new Uint8Array(b.length + 4);
      writeU32BE(rec, 0, seq);
      rec.set(b, 4);
      flash.write(name(seq), rec);
    }
  };

  const ack = (seq: number): void => {
    for (; me.head <= seq && me.head < me.next; me.head++)
      if (me.head < me.next - mem.length) flash.erase(name(me.head));
      else mem.shift();
    if (seq >= me.next) {
      me.head = me.next = seq + 1;
      reserve();
    }
  };

  // Rebuild: scan the slots between the persisted scan start and reservation for the stored run (`next` is
  // still undefined, so every get reads flash).
  let first = 0;
  let end = 0;
  for (let s = h; s < resv; s++)
    if (get(s)) {
      first = first || s;
      end = s + 1;
    }
  me.head = first || resv;
  me.next = end || resv;
  me.size = () => me.next - me.head;
  me.store = (bytes: Uint8Array, hold: boolean) => {
    reserve();
    if (me.size() >= cap) {
      ack(me.head);
      me.lost++;
    }
    // Held only while nothing older waits in flash: then a power cut leaves no unacknowledged record in flash,
    // the rebuilt queue is empty and numbering resumes at the persisted reservation, past every lost seq
    // (the post-handshake ACK base tells the host to skip them). A hole in the middle would stall the host.
    if (me.head < me.next - mem.length) hold = false;
    mem.push(bytes);
    me.next++;
    if (!hold || mem.length > OUTBOX_WINDOW) spill();
    return me.next - 1;
  };
  me.spill = spill;
  me.get = get;
  me.ack = ack;
  return me;
}
