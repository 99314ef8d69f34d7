/**
 * The durable offline queue: a bounded ring of encoded events in flash (Storage files `bwq<slot>` plus the
 * meta record `bwq`), surviving reboots. Each event carries a reader sequence number that never repeats,
 * so the host journals it exactly once in effect however often it is retransmitted; an ACK(seq) removes
 * everything up to seq. When full, the oldest event is dropped and counted (health reports it): a bounded
 * ring is the stated trade-off for a device with 40 KB of flash. Stored bytes are events as sent (badge
 * ciphertext and reader metadata), never anything else.
 */
import type { Flash } from '../ports';

const META = 'bwq';

interface Meta {
  h: number;
  n: number;
  lost: number;
}

export class Outbox {
  flash: Flash;
  cap: number;
  /** Oldest unacknowledged seq. */
  head: number;
  /** Next seq to assign. */
  next: number;
  lost: number;

  constructor(flash: Flash, cap: number) {
    this.flash = flash;
    this.cap = cap;
    const m = flash.readJSON(META) as Meta | undefined;
    const ok = m && typeof m.h === 'number' && typeof m.n === 'number' && m.h <= m.n && m.n - m.h <= cap;
    this.head = ok ? (m as Meta).h : 1;
    this.next = ok ? (m as Meta).n : 1;
    this.lost = ok ? (m as Meta).lost || 0 : 0;
  }

  size(): number {
    return this.next - this.head;
  }

  name(seq: number): string {
    return META + (seq % this.cap);
  }

  save(): void {
    this.flash.writeJSON(META, { h: this.head, n: this.next, lost: this.lost });
  }

  /** Reserves the next sequence number; `store` must follow with the encoded event. */
  take(): number {
    return this.next;
  }

  /** Stores the encoded event for seq `take()` returned; the record is written before the meta moves. */
  store(bytes: Uint8Array): number {
    const seq = this.next;
    if (this.size() >= this.cap) {
      this.flash.erase(this.name(this.head));
      this.head++;
      this.lost++;
    }
    this.flash.write(this.name(seq), bytes);
    this.next = seq + 1;
    this.save();
    return seq;
  }

  get(seq: number): Uint8Array | undefined {
    if (seq < this.head || seq >= this.next) return undefined;
    return this.flash.read(this.name(seq));
  }

  /**
   * Drops every event up to and including `seq`. A host that has stored more than this reader ever sent (the
   * reader's flash was wiped) moves the numbering past it, so no new event reuses a seq the host has seen.
   */
  ack(seq: number): void {
    if (seq < this.head) return;
    const to = Math.min(seq + 1, this.next);
    for (let s = this.head; s < to; s++) this.flash.erase(this.name(s));
    this.head = to;
    if (seq >= this.next) this.head = this.next = seq + 1;
    this.save();
  }
}
