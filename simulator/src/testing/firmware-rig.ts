/**
 * Bundle-level harness: the built reader and badge bundles run unchanged in the simulator's Espruino runtime,
 * the reader with the PN532 emulator on I2C1, the badge as the PN532's tag (ISO-DEP blocks over NFCrx), and a
 * host peer speaking the protocol's host role of BW-SC over the reader's Serial1. The host peer encodes and
 * decodes messages with the protocol's CBOR directly, not with the firmware's codec.
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
import { type BuildResult, buildFirmware } from '../../../firmware/build/bundle';
import type { BoardName } from '../../../firmware/build/subset-budget';
import { VirtualPn532, type VirtualTag } from '../chips/pn532';
import { VirtualClock } from '../clock';
import { VirtualFlash } from '../espruino/flash';
import { EspruinoDevice, type SerialName } from '../espruino/runtime';

export const READER_ID = '0102030405060708';
export const LINK_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
export const K_ID = '000102030405060708090a0b0c0d0e0f';
export const K_TAP = 'f0e0d0c0b0a090807060504030201000';
export const T_SIGHTING = 16;
export const T_TAP = 17;
export const T_HEALTH = 19;
export const T_DECISION = 18;
export const T_CHALLENGES = 21;
export const T_ACK = 23;

const bundles = new Map<string, BuildResult>();

export async function bundle(board: BoardName, role: 'reader' | 'badge'): Promise<BuildResult> {
  const k = board + role;
  let r = bundles.get(k);
  if (!r) {
    r = await buildFirmware(board, role, { write: false });
    bundles.set(k, r);
  }
  return r;
}

export function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export interface ReaderRig {
  clock: VirtualClock;
  chip: VirtualPn532;
  dev: EspruinoDevice;
  flash: VirtualFlash;
}

export function readerDevice(
  code: string,
  clock: VirtualClock,
  opts: { flash?: VirtualFlash; provision?: boolean; board?: BoardName; link?: string; aes?: boolean },
) {
  const chip = new VirtualPn532();
  const flash = opts.flash ?? new VirtualFlash(40 * 1024);
  const dev = new EspruinoDevice({
    board: opts.board ?? 'puckjs',
    aes: opts.aes,
    clock,
    flash,
    seed: 3,
    guardMs: 60_000,
    i2c: { write: (a, d) => chip.i2cWrite(a, d), read: (a, n) => chip.i2cRead(a, n) },
  });
  dev.install(code);
  if (opts.provision !== false)
    dev.storage.write(
      'bw.cfg',
      text(
        JSON.stringify({
          id: READER_ID,
          key: LINK_KEY,
          door: 7,
          cid: 0xffff,
          link: opts.link ?? 'Serial1',
          relay: 2500,
        }),
      ),
    );
  return { chip, dev, flash };
}

/** The host: real HostChannel + Deframer on the reader's Serial1; journals events by seq and acknowledges. */
export class Host {
  ch: HostChannel;
  df: Deframer;
  got: CborMap[] = [];
  journal = new Map<number, CborMap>();
  ack = true;
  connected = true;
  constructor(
    private dev: EspruinoDevice,
    private clock: VirtualClock,
    port: SerialName,
  ) {
    const id = READER_ID;
    const key = Uint8Array.from(Buffer.from(LINK_KEY, 'hex'));
    this.ch = new HostChannel(nobleAes, secureRandom, {
      lookup: (r) => (toHex(r) === id ? { key, prev: null } : null),
    });
    this.df = new Deframer(
      (p) => this.packet(p),
      () => {},
    );
    dev.serial(port).onData((b) => {
      if (this.connected) this.df.push(b);
    });
    this.port = port;
  }
  port: SerialName;
  tx(p: Uint8Array): void {
    if (this.connected) this.dev.serial(this.port).write(encodeFrame(p));
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
  of(type: number): CborMap[] {
    return this.got.filter((m) => m[0] === type);
  }
  packet(p: Uint8Array): void {
    const st = this.ch.receive(p, this.clock.now());
    for (const s of st.send) this.tx(s);
    if (!st.body) return;
    const r = decodeCbor(st.body);
    if (!r.ok) return;
    const m = r.value as CborMap;
    this.got.push(m);
    const t = m[0];
    const seq = m[1];
    if ((t === T_SIGHTING || t === T_TAP) && typeof seq === 'number' && !this.journal.has(seq))
      this.journal.set(seq, m);
    if (this.ack && (t === T_SIGHTING || t === T_TAP || t === T_HEALTH))
      this.send({ 0: T_ACK, 2: this.maxSeq() });
  }
}

/** The badge device as the PN532's tag: APDUs wrapped in ISO-DEP I-blocks, delivered through NFCrx. */
export function badgeAsTag(badge: EspruinoDevice): VirtualTag {
  let bn = 0;
  const xfer = (f: Uint8Array): Uint8Array | null => {
    const n = badge.radio.nfcSent.length;
    badge.radio.hooks?.nfcReceive(f);
    return badge.radio.nfcSent.length > n
      ? (badge.radio.nfcSent[badge.radio.nfcSent.length - 1] as Uint8Array)
      : null;
  };
  return {
    uid: Uint8Array.from([0x08, 1, 2, 3, 4, 5, 6]),
    isoDep: true,
    transceive(apdu) {
      const r = xfer(Uint8Array.from([0x02 | bn, ...apdu]));
      bn ^= 1;
      return r && r.length >= 3 ? r.subarray(1) : null;
    },
    field(on) {
      badge.radio.hooks?.nfcField(on);
      if (on) {
        bn = 0;
        xfer(Uint8Array.from([0xe0, 0x50]));
      }
    },
  };
}

export function badgeDevice(code: string, clock: VirtualClock, board: BoardName = 'puckjs'): EspruinoDevice {
  const dev = new EspruinoDevice({ board, clock, seed: 9, guardMs: 60_000 });
  dev.install(code);
  dev.storage.write('bw.badge', Uint8Array.from(Buffer.from(K_ID + K_TAP + 'ffff', 'hex')));
  dev.storage.write('bw.clk', text(JSON.stringify({ t: 6765 * 256 + 10 })));
  return dev;
}

export { VirtualClock };
