/**
 * Test harness for the reader app on fake ports: a clock-driven link pair, a fake NFC
 * front end and a host peer that runs the protocol's real host role of BW-SC (HostChannel) over the
 * protocol's real framing.
 */
import { Deframer, encodeFrame, HostChannel, nobleAes, secureRandom, toHex } from '@badgewire/protocol';
import { cborCodec } from '../src/app/cbor-codec';
import type { AppMsg } from '../src/app/msg';
import { M_ACK, M_HEALTH, M_SIGHTING, M_TAP } from '../src/app/msg';
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
  got: AppMsg[] = [];
  journal = new Map<number, AppMsg>();
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
  send(m: AppMsg): void {
    const r = this.ch.seal(cborCodec.encode(m), this.clock.now());
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
    const m = cborCodec.decode(st.body);
    if (!m) return;
    this.got.push(m);
    if ((m.t === M_SIGHTING || m.t === M_TAP) && typeof m.seq === 'number' && !this.journal.has(m.seq))
      this.journal.set(m.seq, m);
    if (this.ack && (m.t === M_SIGHTING || m.t === M_TAP || m.t === M_HEALTH))
      this.send({ t: M_ACK, seq: this.maxSeq() });
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
