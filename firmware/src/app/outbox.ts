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
 * tells the host to skip to).
 */
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

export class Outbox {
  flash: Flash;
  cap: number;
  /** Oldest unacknowledged seq. */
  head: number;
  /** Next seq to assign. */
  next: number;
  /** Every seq below this may have been used (persisted ahead of use). */
  resv: number;
  lost: number;
  /** Events from seq `disk` on are held in RAM (`mem[i]` is seq disk + i); everything before is in flash. */
  disk: number;
  mem: Uint8Array[];

  constructor(flash: Flash, cap: number) {
    this.flash = flash;
    this.cap = cap;
    const m = flash.readJSON(META, true) as Meta | undefined;
    const ok = m && typeof m.h === 'number' && typeof m.r === 'number' && m.h >= 1 && m.h <= m.r;
    const h = ok ? (m as Meta).h : 1;
    const r = ok ? (m as Meta).r : 1;
    this.lost = ok ? (m as Meta).lost || 0 : 0;
    let first = -1;
    let last = -1;
    for (let s = h; s < r; s++) {
      if (this.get(s) === undefined) continue;
      if (first < 0) first = s;
      last = s;
    }
    this.head = first < 0 ? r : first;
    this.next = first < 0 ? r : last + 1;
    this.resv = r;
    this.disk = this.next;
    this.mem = [];
  }

  size(): number {
    return this.next - this.head;
  }

  name(seq: number): string {
    return META + (seq % this.cap);
  }

  save(): void {
    this.flash.writeJSON(META, { h: this.head, r: this.resv, lost: this.lost });
  }

  /**
   * Queues the encoded event under seq `next` (the reservation is persisted before use); `hold` keeps it in the
   * RAM window instead of flash (a sighting while the host is online).
   */
  store(bytes: Uint8Array, hold: boolean): number {
    const seq = this.next;
    if (seq >= this.resv) {
      this.resv = seq + RESERVE;
      this.save();
    }
    if (this.size() >= this.cap) {
      this.ack(this.head);
      this.lost++;
    }
    this.next = seq + 1;
    this.mem.push(bytes);
    // Held only while nothing older waits in flash: then a power cut leaves no unacknowledged record in flash,
    // the rebuilt queue is empty and numbering resumes at the persisted reservation, past every lost seq
    // (the post-handshake ACK base tells the host to skip them). A hole in the middle would stall the host.
    if (!hold || this.head !== this.disk || this.mem.length > WINDOW) this.spill();
    return seq;
  }

  /** Writes every event of the RAM window to flash, in order. */
  spill(): void {
    for (let i = 0; i < this.mem.length; i++) {
      const seq = this.disk + i;
      const b = this.mem[i] as Uint8Array;
      const rec = new Uint8Array(b.length + 4);
      rec[0] = (seq >>> 24) & 255;
      rec[1] = (seq >>> 16) & 255;
      rec[2] = (seq >>> 8) & 255;
      rec[3] = seq & 255;
      rec.set(b, 4);
      this.flash.write(this.name(seq), rec);
    }
    this.disk = this.next;
    this.mem = [];
  }

  get(seq: number): Uint8Array | undefined {
    if (seq >= this.disk) return this.mem[seq - this.disk];
    const ab = this.flash.readArrayBuffer(this.name(seq));
    const b = ab ? new Uint8Array(ab) : null;
    if (!b || b.length < 4) return undefined;
    // A slot holds one seq at a time (its first 4 bytes): a record of another seq means this one is gone.
    const at =
      (b[0] as number) * 0x1000000 + ((b[1] as number) << 16) + (((b[2] as number) << 8) | (b[3] as number));
    return at === seq ? new Uint8Array(b.subarray(4)) : undefined;
  }

  /**
   * Drops every event up to and including `seq`. A host that has stored more than this reader ever sent (the
   * reader's flash was wiped) moves the numbering past it, so no new event reuses a seq the host has seen.
   */
  ack(seq: number): void {
    if (seq < this.head) return;
    const to = Math.min(seq + 1, this.next);
    for (let s = this.head; s < to && s < this.disk; s++) this.flash.erase(this.name(s));
    if (to > this.disk) {
      this.mem.splice(0, to - this.disk);
      this.disk = to;
    }
    this.head = to;
    if (seq >= this.next) {
      this.head = this.next = this.disk = seq + 1;
      if (this.next >= this.resv) {
        this.resv = this.next + RESERVE;
        this.save();
      }
    }
  }
}
