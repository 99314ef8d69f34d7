/**
 * Test harness for the reader app on fake ports: a clock-driven link pair, a fake NFC
 * front end and a host peer that runs the protocol's real host role of BW-SC (HostChannel) over the
 * protocol's real framing.
 */
import {
  type CborMap,
  Deframer,
  decodeCbor,
  encodeCbor,
  encodeFrame,
  HostChannel,
  nobleAes,
  secureRandom,
  toHex,
} from '@badgewire/protocol';
import { MSG_ACK, MSG_HEARTBEAT, MSG_SIGHTING, MSG_TAP } from '../src/app/msg';
import type { Link, NfcFrontEnd } from '../src/ports';
import { NFC_NONE } from '../src/ports';
import type { FakeClock } from './fakes';

class ClockLinkEnd implements Link {
  peer: ClockLinkEnd | null = null;
  data: ((c: Uint8Array) => void)[] = [];
  closes: ((code: number) => void)[] = [];
  down = false;
  bytesOut = 0;
  constructor(private clock: FakeClock) {}
  write(bytes: Uint8Array): number {
    if (this.down) return -1;
    const copy = new Uint8Array(bytes);
    this.bytesOut += copy.length;
    const peer = this.peer;
    this.clock.setTimer(1, () => {
      if (peer && !peer.down) for (const cb of peer.data) cb(copy);
    });
    return copy.length;
  }
  onData(cb: (c: Uint8Array) => void): void {
    this.data.push(cb);
  }
  onClose(cb: (code: number) => void): void {
    this.closes.push(cb);
  }
  close(): void {
    this.down = true;
  }
}

export interface ClockLinkPair {
  a: ClockLinkEnd;
  b: ClockLinkEnd;
  /** Cuts the medium (both ends see a close), `restore` brings it back. */
  cut(): void;
  restore(): void;
}

export function clockLinkPair(clock: FakeClock): ClockLinkPair {
  const a = new ClockLinkEnd(clock);
  const b = new ClockLinkEnd(clock);
  a.peer = b;
  b.peer = a;
  return {
    a,
    b,
    cut() {
      a.down = b.down = true;
      for (const cb of a.closes) cb(2);
      for (const cb of b.closes) cb(2);
    },
    restore() {
      a.down = b.down = false;
    },
  };
}

/** The host side: real HostChannel + Deframer; journals events by seq and acknowledges. */
export class HostPeer {
  ch: HostChannel;
  df: Deframer;
  got: CborMap[] = [];
  journal = new Map<number, CborMap>();
  ack = true;
  ups = 0;
  constructor(
    private link: Link,
    private clock: FakeClock,
    readerId: Uint8Array,
    key: Uint8Array,
  ) {
    this.ch = new HostChannel(nobleAes, secureRandom, {
      lookup: (id) => (toHex(id) === toHex(readerId) ? { key, prev: null } : null),
    });
    this.df = new Deframer(
      (p) => this.packet(p),
      () => {},
    );
    link.onData((c) => this.df.push(c));
  }
  tx(p: Uint8Array): void {
    this.link.write(encodeFrame(p));
  }
  handshake(): void {
    this.df.reset();
    this.tx(this.ch.start());
  }
  send(m: CborMap): void {
    if (m[1] === undefined) m[1] = 0;
    const r = this.ch.seal(encodeCbor(m), this.clock.now());
    if (!r.ok) throw new Error('host: no session');
    this.tx(r.value);
  }
  maxSeq(): number {
    let k = 0;
    while (this.journal.has(k + 1)) k++;
    return k;
  }
  packet(p: Uint8Array): void {
    const st = this.ch.receive(p, this.clock.now());
    for (const s of st.send) this.tx(s);
    if (st.up) this.ups++;
    if (!st.body) return;
    const r = decodeCbor(st.body);
    if (!r.ok) return;
    const m = r.value as CborMap;
    this.got.push(m);
    const t = m[0];
    const seq = m[1];
    if ((t === MSG_SIGHTING || t === MSG_TAP) && typeof seq === 'number' && !this.journal.has(seq))
      this.journal.set(seq, m);
    if (this.ack && (t === MSG_SIGHTING || t === MSG_TAP || t === MSG_HEARTBEAT))
      this.send({ 0: MSG_ACK, 2: this.maxSeq() });
  }
  of(t: number): CborMap[] {
    return this.got.filter((m) => m[0] === t);
  }
}

/** An NFC front end scripted per call: `target` is what detect() finds; `apdus` answers by hex prefix. */
export class FakeNfc implements NfcFrontEnd {
  target = NFC_NONE;
  err = 0;
  sent: string[] = [];
  answer: (apdu: Uint8Array) => Uint8Array | null = () => null;
  releases = 0;
  init(cb: (err: number) => void): void {
    cb(this.err);
  }
  detect(cb: (err: number, found: number) => void): void {
    cb(this.err, this.err ? NFC_NONE : this.target);
  }
  apdu(cmd: Uint8Array, cb: (err: number, resp: Uint8Array | null) => void): void {
    this.sent.push(toHex(cmd));
    const r = this.answer(cmd);
    cb(r ? 0 : 602, r);
  }
  release(cb: (err: number) => void): void {
    this.releases++;
    cb(0);
  }
}
