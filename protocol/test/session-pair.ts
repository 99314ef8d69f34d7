/** An in-memory reader/host pair of LinkSessions over BW-SC for the session tests (virtual time, no I/O). */
import type { CborMap } from '../src/cbor/mini';
import { fastAes } from '../src/crypto/fast';
import type { HostChannel } from '../src/link/host-channel';
import type { ReaderChannel } from '../src/link/reader-channel';
import { type Delivery, LinkSession, type SessionConfig, type SessionOut } from '../src/link/session';
import { makeHost, makeReader, seededRandom } from './link-fixtures';

export const KNOWN = [16, 17, 18, 20, 21, 22, 25];
export const T_TAP = 17;

export interface Side {
  ch: ReaderChannel | HostChannel;
  s: LinkSession;
  inbox: Uint8Array[];
  got: Delivery[];
  outs: SessionOut[];
}

export class Pair {
  now = 0;
  r: Side;
  h: Side;
  seed: number;

  constructor(seed: number, readerCfg: Partial<SessionConfig> = {}, hostCfg: Partial<SessionConfig> = {}) {
    this.seed = seed;
    this.r = this.reader(readerCfg);
    this.h = this.host(hostCfg);
  }

  reader(cfg: Partial<SessionConfig>): Side {
    const ch = makeReader({}, seededRandom(this.seed * 2 + 1), fastAes);
    return {
      ch,
      s: new LinkSession(ch, { initiator: false, known: KNOWN, ...cfg }),
      inbox: [],
      got: [],
      outs: [],
    };
  }

  host(cfg: Partial<SessionConfig>): Side {
    const ch = makeHost({}, seededRandom(this.seed * 2 + 2), fastAes);
    return {
      ch,
      s: new LinkSession(ch, { initiator: true, known: KNOWN, ...cfg }),
      inbox: [],
      got: [],
      outs: [],
    };
  }

  /** Routes one call's output: packets to the other side's inbox, deliveries to `got`. */
  take(from: Side, o: SessionOut): SessionOut {
    const to = from === this.r ? this.h : this.r;
    for (const p of o.send) to.inbox.push(p);
    for (const d of o.deliver) from.got.push(d);
    from.outs.push(o);
    return o;
  }

  event(id: number): SessionOut {
    const m: CborMap = { 0: T_TAP, 2: id };
    return this.take(this.r, this.r.s.send(m, true, this.now));
  }

  tick(): void {
    this.take(this.r, this.r.s.tick(this.now));
    this.take(this.h, this.h.s.tick(this.now));
  }

  /** Delivers everything queued, both ways, until quiet (a perfect network). */
  flush(limit = 1000): void {
    for (let i = 0; i < limit; i++) {
      const side = this.r.inbox.length > 0 ? this.r : this.h.inbox.length > 0 ? this.h : null;
      if (!side) return;
      const p = side.inbox.shift() as Uint8Array;
      this.take(side, side.s.receive(p, this.now));
    }
  }

  /** Host stores everything delivered so far and acknowledges it. */
  store(): void {
    const last = this.h.got.reduce((m, d) => (d.seq > m ? d.seq : m), 0);
    if (last > 0) this.take(this.h, this.h.s.durable(last, this.now));
  }

  /** Ticks and flushes until both are up, advancing virtual time. */
  connect(): void {
    for (let i = 0; i < 50 && !(this.r.s.ch.isUp() && this.h.s.ch.isUp()); i++) {
      this.tick();
      this.flush();
      this.now += 600;
    }
  }
}
