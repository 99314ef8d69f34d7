/**
 * A simulated reader at protocol level: the BW-SC reader channel and the reader role of the reliable link
 * session, over any Link, with a flash-backed outbox that survives power loss. It holds only what a reader
 * holds: its id and link key, ciphertext EphIDs and tap frames, challenges, and seq counters; never anything
 * that names an attendee. The world drives it through `hear`, `tap` and `poll`; it owns no timers, so its
 * whole state is reachable from the object for the RAM audit.
 */
import {
  type CborMap,
  createReaderChannel,
  Deframer,
  encodeCbor,
  encodeFrame,
  fastAes,
  fastRecordCipher,
  type Link,
  LinkSession,
  type Message,
  MSG_ACK,
  MSG_CHALLENGES,
  MSG_CONFIG,
  MSG_DECISION,
  MSG_ERROR,
  MSG_REKEY,
  MSG_TIME,
  messageFromCbor,
  messageToCbor,
  type Random,
  type ReaderChannel,
  type SessionOut,
  toHex,
} from '@badgewire/protocol';

const KNOWN = [MSG_DECISION, MSG_CONFIG, MSG_CHALLENGES, MSG_TIME, MSG_ACK, MSG_ERROR, MSG_REKEY];

function check(m: CborMap): number {
  const r = messageFromCbor(m);
  return r.ok ? 0 : r.code;
}

/** What survives a power cut: provisioning and the unacknowledged events (Storage on a real reader). */
export interface ReaderFlash {
  id: Uint8Array;
  key: Uint8Array;
  nextSeq: number;
  outbox: CborMap[];
}

export interface ReaderStats {
  sightings: number;
  taps: number;
  decisions: number;
  allowed: number;
  handshakes: number;
  faults: number;
  reboots: number;
  noChallenge: number;
}

export interface DecisionSeen {
  tapSeq: number;
  allow: boolean;
  reason: number;
}

export class SimReader {
  readonly stats: ReaderStats = {
    sightings: 0,
    taps: 0,
    decisions: 0,
    allowed: 0,
    handshakes: 0,
    faults: 0,
    reboots: 0,
    noChallenge: 0,
  };
  powered = false;
  /** Decisions received, drained by the world (no callback: the reader must not reach the world's state). */
  readonly decisions: DecisionSeen[] = [];
  private ch: ReaderChannel | null = null;
  private session: LinkSession | null = null;
  private link: Link | null = null;
  private deframer: Deframer | null = null;
  private wakeAt = 0;
  private bootMs = 0;
  private nowMs = 0;
  /** EphID (first 52 bits, as a number: collisions are 2^-52) -> when it was last reported. */
  private readonly seenEph = new Map<number, number>();
  /** Table size that triggers the next prune: doubles when a prune frees little, so pruning stays amortised O(1). */
  private pruneAt = 4096;
  private pool: { id: number; bytes: Uint8Array; until: number }[] = [];

  constructor(
    readonly name: string,
    readonly flash: ReaderFlash,
    private readonly rnd: Random,
    private readonly dedupMs: number,
  ) {}

  get idHex(): string {
    return toHex(this.flash.id);
  }

  isUp(): boolean {
    return this.ch?.isUp() ?? false;
  }

  /** Powers on (boot) on `link`: RAM state starts empty, unacknowledged events come back from flash. */
  powerOn(link: Link, nowMs: number): void {
    this.powered = true;
    this.bootMs = nowMs;
    this.nowMs = nowMs;
    const rc = createReaderChannel(fastAes, this.rnd, {
      readerId: this.flash.id,
      key: this.flash.key,
      info: Uint8Array.of(0xa0),
    });
    if (!rc.ok) throw new Error(`reader ${this.name}: cannot open its channel (code ${rc.code})`);
    const ch = rc.value;
    // The host's record cipher (cached key schedules) behind the RecordCipher seam: same bytes as the device
    // path, which the protocol's tests hold it to; thousands of simulated readers cannot afford the device one.
    ch.rc = fastRecordCipher;
    this.ch = ch;
    const first = (this.flash.outbox[0]?.[1] as number | undefined) ?? this.flash.nextSeq;
    this.session = new LinkSession(ch, {
      initiator: false,
      known: KNOWN,
      check,
      nextSeq: first,
      maxQueue: 1_000_000,
    });
    for (const m of this.flash.outbox) this.session.send({ ...m }, true, nowMs);
    this.attach(link, nowMs);
  }

  /** A new transport to the host (after the host restarted or the line was replaced). */
  attach(link: Link, nowMs: number): void {
    this.link = link;
    this.deframer = new Deframer(
      (p) => this.apply(this.session?.receive(p, this.nowMs)),
      () => this.stats.faults++,
    );
    link.onData((chunk) => {
      if (this.link === link && this.powered) this.deframer?.push(chunk);
    });
    link.onClose(() => {
      if (this.link !== link || !this.session) return;
      this.link = null;
      this.apply(this.session.linkDown(this.nowMs));
    });
    this.apply(this.session?.tick(nowMs));
  }

  /** Power removed: RAM (session, de-dup table, challenges) is gone; flash stays. */
  powerOff(): void {
    this.powered = false;
    this.stats.reboots++;
    this.ch = null;
    this.session = null;
    this.deframer = null;
    this.seenEph.clear();
    this.pruneAt = 4096;
    this.pool = [];
    const l = this.link;
    this.link = null;
    l?.close();
  }

  /** A BLE advertisement heard: reported once per de-dup window per EphID. */
  hear(adv: Uint8Array, rssi: number, nowMs: number): boolean {
    if (!this.powered) return false;
    const k =
      ((adv[8] as number) | ((adv[9] as number) << 8) | ((adv[10] as number) << 16)) * 2 ** 28 +
      ((adv[11] as number) |
        ((adv[12] as number) << 8) |
        ((adv[13] as number) << 16) |
        (((adv[14] as number) & 15) << 24));
    const last = this.seenEph.get(k);
    if (last !== undefined && nowMs - last < this.dedupMs) return false;
    this.seenEph.set(k, nowMs);
    if (this.seenEph.size > this.pruneAt) this.prune(nowMs);
    this.stats.sightings++;
    this.event({ type: 16, seq: 0, adv, rssi, uptimeMs: nowMs - this.bootMs }, nowMs);
    return true;
  }

  /** The next single-use challenge for a door tap, or null when the pool is empty. */
  takeChallenge(): { id: number; bytes: Uint8Array } | null {
    while (this.pool.length > 0 && (this.pool[0] as { until: number }).until <= this.nowMs) this.pool.shift();
    const c = this.pool.shift() ?? null;
    if (!c) this.stats.noChallenge++;
    return c;
  }

  /** Forwards a tap (badge frame or SUN URI) to the host; returns its seq (0 when powered off). */
  tap(frame: Uint8Array, kind: number, challengeId: number | undefined, nowMs: number): number {
    if (!this.powered) return 0;
    this.stats.taps++;
    const m: Message = { type: 17, seq: 0, frame, kind, uptimeMs: nowMs - this.bootMs };
    if (challengeId !== undefined) m.challengeId = challengeId;
    return this.event(m, nowMs);
  }

  /** Runs the session's timers up to `nowMs` (heartbeats, resends, handshake kicks). */
  poll(nowMs: number): void {
    this.nowMs = nowMs;
    if (this.session && nowMs >= this.wakeAt) this.apply(this.session.tick(nowMs));
  }

  /** Every byte the reader keeps in flash, as stored (for the audit). */
  flashBytes(): Uint8Array {
    return encodeCbor({ 0: this.flash.id, 1: this.flash.key, 2: this.flash.nextSeq, 3: this.flash.outbox });
  }

  private event(m: Message, nowMs: number): number {
    this.nowMs = nowMs;
    const body = messageToCbor(m);
    if (!this.session) return 0;
    const out = this.session.send(body, true, nowMs);
    const seq = out.seq;
    if (seq > 0) {
      this.flash.outbox.push({ ...body, 1: seq });
      this.flash.nextSeq = seq + 1;
    }
    this.apply(out);
    return seq;
  }

  private prune(nowMs: number): void {
    for (const [k, t] of this.seenEph) if (nowMs - t >= this.dedupMs) this.seenEph.delete(k);
    this.pruneAt = Math.max(4096, 2 * this.seenEph.size);
  }

  private apply(out: SessionOut | undefined): void {
    const s = this.session;
    if (!out || !s) return;
    this.stats.faults += out.faults.length;
    if (out.up) {
      // A new session: the host issues a fresh pool; challenges of the old one are void.
      this.stats.handshakes++;
      this.pool = [];
    }
    if (out.acked > 0) {
      const box = this.flash.outbox;
      let n = 0;
      while (n < box.length && ((box[n] as CborMap)[1] as number) <= out.acked) n++;
      if (n > 0) box.splice(0, n);
    }
    if (this.link) for (const p of out.send) this.link.write(encodeFrame(p));
    this.wakeAt = out.wakeAt;
    for (const d of out.deliver) {
      this.handle(d.msg);
      if (d.seq > 0) this.apply(s.durable(d.seq, this.nowMs));
    }
  }

  private handle(raw: CborMap): void {
    const r = messageFromCbor(raw);
    if (!r.ok) return;
    const m = r.value;
    if (m.type === MSG_CHALLENGES) {
      // Expire a little early: the host's clock and ours tick apart by the link's delay.
      const until = this.nowMs + m.ttlS * 1000 - 5000;
      m.list.forEach((bytes, i) => {
        this.pool.push({ id: m.firstId + i, bytes, until });
      });
      if (this.pool.length > 64) this.pool.splice(0, this.pool.length - 64);
    } else if (m.type === MSG_DECISION) {
      this.stats.decisions++;
      if (m.allow) this.stats.allowed++;
      this.decisions.push({ tapSeq: m.tapSeq, allow: m.allow, reason: m.reason });
    } else if (m.type === MSG_REKEY) {
      this.flash.key = new Uint8Array(m.key);
    }
  }
}
