/**
 * A reader running the real reader bundle (built for its board, Puck.js or ESP32) in the Espruino runtime, on
 * the world's clock, with the PN532 emulator on I2C1 and its host link on the board's UART. The world drives
 * it exactly like a protocol-level reader (`hear`, `tap`, `poll`, power and cables), and sees only what the
 * hardware shows: the bytes on its UART, its Storage, and its door outputs (relay, red LED), from which a
 * decision is read back. Taps are real NFC exchanges: a badge (or an attacker's recorded frame, or a passive
 * SUN tag) is put into the PN532's field, and the firmware runs SELECT / CHALLENGE / READ or the NDEF read.
 */
import { buildFirmware } from '@badgewire/firmware/build';
import { type Link, TAP_SUN, toHex } from '@badgewire/protocol';
import { Sightings } from '../../../firmware/src/app/sightings';
import { BOARDS as PROFILES } from '../../../firmware/src/board/profiles';
import { VirtualPn532, type VirtualTag } from '../chips/pn532';
import type { VirtualClock } from '../clock';
import { type AuditRoots, EspruinoDevice, type PinEvent, type SerialName } from '../espruino/index';
import { type McuBadge, SIM_CID } from './badges';
import { credentialTag } from './firmware-badge';
import type { DecisionSeen, ReaderFlash, ReaderStats } from './reader';

export type FirmwareBoard = 'puckjs' | 'esp32';

const bundles = new Map<FirmwareBoard, Promise<string>>();

/** The reader bundle for a board, built once per process in memory (same gate as `badgewire firmware build`). */
export function readerBundle(board: FirmwareBoard = 'puckjs'): Promise<string> {
  let b = bundles.get(board);
  if (!b) {
    b = buildFirmware(board, 'reader', { write: false }).then((r) => {
      if (!r.ok)
        throw new Error(
          `${board} reader bundle refused by the firmware gate: ${r.violations.length} violations`,
        );
      return r.code;
    });
    bundles.set(board, b);
  }
  return b;
}

/**
 * A genuine credential in the field (set by the world before `tap`): an MCU badge answers the firmware's
 * challenge live, and shows its anti-collision UID; a passive SUN tag (no badge) shows a random UID.
 * Without one, `tap` is an attacker's device replaying its frame.
 */
export interface Presented {
  badge?: McuBadge;
  uid?: Uint8Array;
}

export interface FirmwareReaderOptions {
  name: string;
  board: FirmwareBoard;
  clock: VirtualClock;
  id: Uint8Array;
  key: Uint8Array;
  seed: number;
  dedupMs: number;
  /** Whether the host holds an authenticated session with this reader (the reader's own state is sealed). */
  isUp: () => boolean;
}

/** A tag stays in the field long enough for the 200 ms NFC poll and the exchange, then leaves for a poll. */
const HOLD_MS = 900;
const GAP_MS = 450;
/** An attacker replays a frame sniffed off another reader's field: physically later than the genuine tap. */
const REPLAY_AFTER_MS = 6000;
/**
 * The next person waits for the door to answer the tap before them (the firmware acts on its latest tap only),
 * at most as long as the firmware would still accept the decision.
 */
const WAIT_MS = 10_000;
const LOOK_MS = 250;
/** The longest LED pattern the firmware shows for one event (deny: 200-100-200-100-200 ms). */
const PATTERN_MS = 1000;
/** The firmware's de-dup table size (reader.ts: `new Sightings(cfg.dd, 32)`). */
const SIGHTINGS_MAX = 32;
const MSG_TAP = 17;

export class FirmwareReader {
  readonly name: string;
  readonly dev: EspruinoDevice;
  readonly chip = new VirtualPn532();
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
  /** Decisions the door outputs showed, drained by the world (tapSeq: the number `tap` returned). */
  readonly decisions: DecisionSeen[] = [];
  /** Provisioning as the world knows it; `outbox` mirrors the queue records in Storage (for health). */
  readonly flash: ReaderFlash;
  powered = false;
  /** Set by the world right before `tap`: what is in the field (else `tap`'s frame is replayed as is). */
  next: Presented | null = null;
  private readonly o: FirmwareReaderOptions;
  private readonly port: SerialName;
  private readonly relayPin: string;
  private readonly redPin: string;
  private readonly greenPin: string;
  private link: Link | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly queue: { k: number; tag: VirtualTag; at: number }[] = [];
  private presenting = false;
  private tapNo = 0;
  /** The tap whose frame the firmware read last and queued as a TAP event: the only one it would act on. */
  private latest = 0;
  /** The tap whose tag answered last; it counts once the firmware stores its TAP event. */
  private answered = 0;
  private traced = 0;
  private wasUp = false;
  private flushQueued = false;
  /** When the last red-LED pattern started (virtual ms). */
  private redAt = -1e9;
  /** The firmware's own de-dup table, run beside it to know which advertisements it forwards. */
  private seen: Sightings;

  constructor(o: FirmwareReaderOptions) {
    this.o = o;
    this.name = o.name;
    const profile = PROFILES[o.board];
    if (!profile) throw new Error(`no board profile ${o.board}`);
    this.port = o.board === 'esp32' ? 'Serial2' : 'Serial1';
    this.relayPin = `D${profile.pins.relay}`;
    this.redPin = `D${profile.pins.red}`;
    this.greenPin = `D${profile.pins.green}`;
    this.flash = { id: o.id, key: o.key, nextSeq: 1, outbox: [] };
    this.seen = new Sightings(o.dedupMs, SIGHTINGS_MAX);
    const chip = this.chip;
    this.dev = new EspruinoDevice({
      board: o.board,
      clock: o.clock,
      seed: o.seed,
      // Known-good firmware over a simulated hour: the per-callback wall-clock guard would cost more than the
      // firmware itself (runtime README); the firmware tests keep it on.
      guardMs: 0,
      // A JsVar estimate walks the realm through the inspector: every 10 virtual minutes still catches a leak
      // within the hour, at a tenth of the cost.
      memoryCheckMs: 600_000,
      memoryEstimateMs: 600_000,
      i2c: { write: (a, d) => chip.i2cWrite(a, d), read: (a, n) => chip.i2cRead(a, n) },
    });
    // A probe on the flash bus: the firmware stores every TAP event (`BE32 seq ‖ CBOR {0: 17, ...}`) before it
    // sends it, so a stored TAP marks the tap the firmware now answers to (a failed read stores none).
    const storage = this.dev.storage;
    const write = storage.write.bind(storage);
    storage.write = (name, data, offset, size) => {
      write(name, data, offset, size);
      if (
        (offset ?? 0) === 0 &&
        /^bwq\d+$/.test(name) &&
        data[5] === 0 &&
        data[6] === MSG_TAP &&
        this.answered
      ) {
        this.latest = this.answered;
        this.answered = 0;
      }
    };
  }

  get idHex(): string {
    return toHex(this.flash.id);
  }

  /** Flashes the bundle and the provisioning record, as `badgewire firmware flash` + `provision` do. */
  async install(): Promise<void> {
    this.dev.install(await readerBundle(this.o.board));
    const cfg = {
      id: toHex(this.o.id),
      key: toHex(this.o.key),
      door: 0,
      cid: SIM_CID,
      link: this.port,
      relay: 2500,
      dd: this.o.dedupMs,
    };
    this.dev.storage.write('bw.cfg', new TextEncoder().encode(JSON.stringify(cfg)));
  }

  isUp(): boolean {
    return this.powered && this.o.isUp();
  }

  /** Power on with the UART cabled to `link`: the board boots from Storage. */
  powerOn(link: Link, nowMs: number): void {
    this.powered = true;
    if (this.dev.state !== 'running') this.dev.boot();
    this.traced = this.dev.pins.trace.length;
    this.attach(link, nowMs);
  }

  /** A new cable on the UART (the host restarted, or the line was replaced). */
  attach(link: Link, _nowMs: number): void {
    this.unsubscribe?.();
    this.link = link;
    const uart = this.dev.serial(this.port);
    this.unsubscribe = uart.onData((b) => {
      if (this.link === link && this.powered) link.write(b);
    });
    link.onData((b) => {
      if (!(this.link === link && this.powered)) return;
      uart.write(b);
      this.flushSoon();
    });
    link.onClose(() => {
      if (this.link === link) this.link = null;
    });
  }

  /**
   * Espruino hands received bytes to the firmware from its idle loop: a zero-delay timer on the virtual clock.
   * Run it now (after the current job, outside any clock advance) rather than at the world's next step, so a
   * host round trip (ACK, DECISION) takes no virtual time: otherwise every reply would wait a whole step.
   */
  private flushSoon(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.o.clock.advance(0);
    });
  }

  powerOff(): void {
    this.powered = false;
    this.stats.reboots++;
    this.dev.powerCut();
    this.queue.length = 0;
    this.chip.place(null);
    this.latest = 0;
    this.answered = 0;
    this.seen = new Sightings(this.o.dedupMs, SIGHTINGS_MAX);
    this.unsubscribe?.();
    this.unsubscribe = null;
    const l = this.link;
    this.link = null;
    l?.close();
  }

  /** An advertisement on the air, into the firmware's scan. True when the firmware forwards it to the host. */
  hear(adv: Uint8Array, rssi: number, nowMs: number): boolean {
    const hooks = this.dev.radio.hooks;
    if (!this.powered || !hooks) return false;
    // Resolvable private addresses rotate with the EphID: derive one from it.
    const address = `${toHex(adv.subarray(8, 14)).replace(/(..)(?!$)/g, '$1:')} random`;
    if (!hooks.deliver({ id: address, rssi, data: adv })) return false;
    if (!this.seen.accept({ rssi, data: adv }, nowMs)) return false;
    this.stats.sightings++;
    return true;
  }

  /** The firmware keeps its challenge pool to itself: the world never picks a challenge for it. */
  takeChallenge(): null {
    return null;
  }

  /** Puts `next` (or a tag replaying `frame`) into the PN532's field; returns the tap's number (0: off). */
  tap(frame: Uint8Array, kind: number, _challengeId: number | undefined, nowMs: number): number {
    const p = this.next;
    this.next = null;
    if (!this.powered) return 0;
    const k = ++this.tapNo;
    this.stats.taps++;
    // Random ID (NTAG 424 DNA, and an attacker's emulator): a fresh UID per read.
    const uid = p?.uid ?? Uint8Array.of(0x08, (k * 97) & 255, (k * 31) & 255, (k * 7) & 255);
    const tag = credentialTag({
      badge: p?.badge ?? null,
      frame,
      sun: kind === TAP_SUN,
      uid,
      clock: this.o.clock,
      answered: () => {
        this.answered = k;
      },
    });
    this.queue.push({ k, tag, at: p ? nowMs : nowMs + REPLAY_AFTER_MS });
    this.present();
    return k;
  }

  /** Door outputs, handshakes and the Storage queue since the last poll. */
  poll(_nowMs: number): void {
    const up = this.isUp();
    if (up && !this.wasUp) this.stats.handshakes++;
    this.wasUp = up;
    this.outputs();
    this.flash.outbox = this.queued().map((seq) => ({ 1: seq }));
  }

  /** Reads the door outputs: a relay pulse is an allow, the long red pattern (without green) a deny. */
  private outputs(): void {
    const trace = this.dev.pins.trace;
    let i = this.traced;
    for (; i < trace.length; i++) {
      const e = trace[i] as PinEvent;
      if (e.value !== 1) continue;
      if (e.pin === this.relayPin) this.decided(true);
      else if (e.pin === this.redPin) {
        // A pattern is several pulses (door.ts): only its first one starts a new signal.
        if (e.t - this.redAt < PATTERN_MS) continue;
        const off = trace.slice(i + 1).find((x) => x.pin === this.redPin && x.value === 0);
        if (!off) break;
        this.redAt = e.t;
        // Amber (a grant with a warning) lights green with red in the same instant: not a deny.
        const amber = this.litAt(trace, i, this.greenPin);
        // Deny starts with 200 ms on, the offline pattern with 100 ms: only a deny answers a tap.
        if (!amber && off.t - e.t >= 150) this.decided(false);
      }
    }
    this.traced = i;
  }

  /** Whether `pin` went on at the same instant as trace[i] (events of one instant are adjacent). */
  private litAt(trace: readonly PinEvent[], i: number, pin: string): boolean {
    const t = (trace[i] as PinEvent).t;
    for (let j = i - 1; j >= 0 && (trace[j] as PinEvent).t === t; j--)
      if ((trace[j] as PinEvent).pin === pin && (trace[j] as PinEvent).value === 1) return true;
    for (let j = i + 1; j < trace.length && (trace[j] as PinEvent).t === t; j++)
      if ((trace[j] as PinEvent).pin === pin && (trace[j] as PinEvent).value === 1) return true;
    return false;
  }

  /** Durable events still in the reader's Storage queue (not acknowledged by the host). */
  undelivered(): number {
    return this.queued().length;
  }

  /** Every byte of the reader's flash chip (for the audit). */
  flashBytes(): Uint8Array {
    return this.dev.flash.dump();
  }

  /** The board's RAM for the audit, or null while it is powered off. */
  auditRoots(): AuditRoots | null {
    return this.dev.state === 'running' ? this.dev.auditRoots() : null;
  }

  private queued(): number[] {
    const out: number[] = [];
    for (const name of this.dev.storage.list()) {
      if (!/^bwq\d+$/.test(name)) continue;
      const b = this.dev.storage.read(name);
      if (b && b.length >= 4) out.push(((b[0] as number) << 24) | ((b[1] as number) << 16) | toU16(b, 2));
    }
    return out;
  }

  private decided(allow: boolean): void {
    if (this.latest === 0) return;
    this.stats.decisions++;
    if (allow) this.stats.allowed++;
    this.decisions.push({ tapSeq: this.latest, allow, reason: 0 });
    this.latest = 0;
  }

  /**
   * One tag at a time: in the field for HOLD_MS; once read, the next waits for the door's answer (or WAIT_MS);
   * then out of the field for GAP_MS (the firmware re-arms on an empty poll).
   */
  private present(): void {
    if (this.presenting) return;
    const item = this.queue[0];
    if (!item) return;
    this.presenting = true;
    const clock = this.o.clock;
    if (item.at > clock.now()) {
      clock.setTimer(item.at - clock.now(), () => {
        this.presenting = false;
        this.present();
      });
      return;
    }
    this.queue.shift();
    const until = clock.now() + WAIT_MS;
    const next = (): void => {
      this.presenting = false;
      this.present();
    };
    const wait = (): void => {
      this.outputs();
      const open = this.latest === item.k || this.answered === item.k;
      if (open && this.powered && clock.now() < until) clock.setTimer(LOOK_MS, wait);
      else clock.setTimer(GAP_MS, next);
    };
    this.chip.place(item.tag);
    clock.setTimer(HOLD_MS, () => {
      this.chip.place(null);
      wait();
    });
  }
}

function toU16(b: Uint8Array, at: number): number {
  return ((b[at] as number) << 8) | (b[at + 1] as number);
}
