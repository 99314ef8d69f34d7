/**
 * Test world for host/src/readers: a virtual clock, an in-memory Link pair with explicit delivery, and a reader
 * built from the real protocol device code (ReaderChannel + LinkSession + Deframer + frame encoder).
 */
import {
  type CborMap,
  type Clock,
  createReaderChannel,
  Deframer,
  type Delivery,
  encodeFrame,
  fastAes,
  type Link,
  LinkSession,
  type Random,
  type ReaderChannel,
  SCHEMA,
  type SessionOut,
} from '@badgewire/protocol';

export class VirtualClock implements Clock {
  t = 0;
  private id = 0;
  timers: { id: number; at: number; cb: () => void }[] = [];
  now(): number {
    return this.t;
  }
  epoch(): number {
    return 1_800_000_000 + Math.floor(this.t / 1000);
  }
  setTimer(ms: number, cb: () => void): number {
    this.id++;
    this.timers.push({ id: this.id, at: this.t + ms, cb });
    return this.id;
  }
  clearTimer(id: number): void {
    this.timers = this.timers.filter((x) => x.id !== id);
  }
  /** Fires every timer due by now. */
  fire(): void {
    for (;;) {
      const due = this.timers.filter((x) => x.at <= this.t).sort((a, b) => a.at - b.at)[0];
      if (!due) return;
      this.clearTimer(due.id);
      due.cb();
    }
  }
}

class End implements Link {
  inbox: Uint8Array[] = [];
  peer!: End;
  closed = false;
  private data: ((c: Uint8Array) => void)[] = [];
  private closers: ((code: number) => void)[] = [];
  private cut = 7;
  /** Writes arrive re-cut into chunks of 1..13 bytes, as a UART delivers them. */
  write(b: Uint8Array): number {
    if (this.closed) return -1;
    for (let o = 0; o < b.length; ) {
      this.cut = (this.cut * 5 + 3) % 13;
      const n = Math.min(b.length - o, this.cut + 1);
      this.peer.inbox.push(b.slice(o, o + n));
      o += n;
    }
    return b.length;
  }
  onData(cb: (c: Uint8Array) => void): void {
    this.data.push(cb);
  }
  onClose(cb: (code: number) => void): void {
    this.closers.push(cb);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.peer.closed = true;
    for (const cb of this.closers) cb(0);
    for (const cb of this.peer.closers) cb(1);
  }
  /** Hands queued chunks to the listeners; returns how many. */
  pump(): number {
    const n = this.inbox.length;
    while (this.inbox.length > 0) {
      const c = this.inbox.shift() as Uint8Array;
      if (this.closed) continue;
      for (const cb of this.data) cb(c);
    }
    return n;
  }
}

export function linkPair(): [End, End] {
  const a = new End();
  const b = new End();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

let seed = 99;
const rnd: Random = {
  fill(out) {
    for (let i = 0; i < out.length; i++) out[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  },
};

/** A reader made of the protocol's device pieces, on one end of a link. */
export class TestReader {
  ch: ReaderChannel;
  s: LinkSession;
  got: Delivery[] = [];
  /** Apply host messages (store REKEY keys) and acknowledge them. */
  applyRekeys = true;
  silent = false;
  private readonly df: Deframer;

  constructor(
    readonly link: End,
    readonly clock: VirtualClock,
    id: Uint8Array,
    key: Uint8Array,
  ) {
    const c = createReaderChannel(fastAes, rnd, { readerId: id, key, info: new Uint8Array(0) });
    if (!c.ok) throw new Error(`reader refused: ${c.code}`);
    this.ch = c.value;
    this.s = new LinkSession(this.ch, { initiator: false, known: Object.keys(SCHEMA).map(Number) });
    this.df = new Deframer(
      (p) => this.apply(this.s.receive(p, this.clock.now())),
      () => {},
    );
    link.onData((c) => {
      if (!this.silent) this.df.push(c);
    });
  }

  apply(o: SessionOut): void {
    if (this.silent) return;
    for (const p of o.send) this.link.write(encodeFrame(p));
    for (const d of o.deliver) {
      this.got.push(d);
      if (d.seq === 0) continue;
      if (d.type === 25 && this.applyRekeys) this.ch.setKey(d.msg[2] as Uint8Array);
      if (d.type !== 25 || this.applyRekeys) this.apply(this.s.durable(d.seq, this.clock.now()));
    }
  }

  tick(): void {
    this.apply(this.s.tick(this.clock.now()));
  }

  tap(n: number): number {
    const m: CborMap = { 0: 17, 1: 0, 2: new Uint8Array(16).fill(n), 3: 0, 5: n };
    const o = this.s.send(m, true, this.clock.now());
    this.apply(o);
    return o.seq;
  }
}

/** Runs the world: moves bytes, fires timers, lets promises settle, advancing time in steps. */
export async function run(
  clock: VirtualClock,
  ends: End[],
  readers: TestReader[],
  ms: number,
  step = 50,
): Promise<void> {
  const until = clock.t + ms;
  for (;;) {
    for (let i = 0; i < 50; i++) {
      let moved = 0;
      for (const e of ends) moved += e.pump();
      await new Promise((r) => setImmediate(r));
      if (moved === 0) break;
    }
    if (clock.t >= until) return;
    clock.t = Math.min(until, clock.t + step);
    clock.fire();
    for (const r of readers) r.tick();
  }
}
