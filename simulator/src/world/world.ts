/**
 * The virtual venue: one VirtualClock, a seeded PRNG tree, the attendee registry (canary PII, simulator only),
 * badges and tags, the air, simulated readers on in-memory links, and the host built from the real host
 * pieces. `step()` advances the world by one step of virtual time; the runner drives faults and the audit.
 */

import { an10922FileKeys, deriveBadgeKeys, deriveSunKeys, fastAes, sunTagRef } from '@badgewire/protocol';
import { VirtualClock } from '../clock';
import { SeededRandom } from '../random';
import { Air } from './air';
import { AttendeeRegistry } from './attendees';
import { McuBadge, SUN_SUFFIX, SunTag } from './badges';
import { Cabling } from './cabling';
import { badgeBundle, FirmwareBadge } from './firmware-badge';
import { type FirmwareBoard, FirmwareReader } from './firmware-reader';
import { type Enrolment, SimHost } from './host';
import { enterPlace, type Mobility, moveAgent } from './mobility';
import { SimReader } from './reader';
import type { Scenario } from './scenario';
import { WireLink } from './wire';
import {
  type Agent,
  concatAscii,
  type PendingTap,
  type ReaderDevice,
  type ReaderNode,
  toHexId,
} from './world-types';

export type { Agent, PendingTap, ReaderDevice, ReaderNode } from './world-types';

export const EVENT_START_MS = Date.UTC(2026, 5, 1, 8, 0, 0);

export interface WorldOptions {
  dataDir: string;
  /** Keep every link byte and air frame for the audit (off for the large benchmark). */
  capture: boolean;
  /** Largest chunk the in-memory links deliver at once. */
  linkChunk: number;
}

export class World {
  readonly clock = new VirtualClock({ epochMs: EVENT_START_MS });
  readonly rng: SeededRandom;
  readonly registry: AttendeeRegistry;
  readonly air: Air;
  readonly host: SimHost;
  readonly nodes: ReaderNode[] = [];
  readonly agents: Agent[] = [];
  readonly pending = new Map<string, PendingTap>();
  readonly latencies: number[] = [];
  decisionMismatches = 0;
  /** Attack taps by kind: how many were answered, and how many of those were refused. */
  readonly attacks: Record<string, { answered: number; refused: number }> = {};
  /** Recent tap frames seen on the air (the replay attacker's loot). */
  readonly recentTaps: { frame: Uint8Array; kind: number; challengeId?: number }[] = [];
  /** Per-minute counts for the report. */
  readonly series: { sightings: number; taps: number; allow: number; deny: number }[] = [];
  private readonly byPlace = new Map<string, ReaderNode[]>();
  private readonly mobility: Mobility;
  private readonly linkRng: SeededRandom;
  readonly cabling: Cabling;
  private nodeByName = new Map<string, ReaderNode>();

  constructor(
    readonly sc: Scenario,
    readonly o: WorldOptions,
  ) {
    this.rng = new SeededRandom(sc.seed);
    this.registry = new AttendeeRegistry(sc, this.rng.fork('attendees'));
    this.air = new Air(sc.air, this.rng.fork('air'), o.capture ? 1_000_000 : 0);
    this.mobility = {
      sc: this.sc,
      byPlace: this.byPlace,
      rng: this.rng.fork('moves'),
      nowS: () => this.nowS(),
      tapAt: (n, frame, kind, chalId, meta) => this.tapAt(n, frame, kind, chalId, meta),
    };
    this.linkRng = this.rng.fork('links');
    this.cabling = new Cabling(o.linkChunk);
    const mk = new Uint8Array(32);
    this.rng.fork('master-key').fill(mk);
    const sunKeys = deriveSunKeys(fastAes, mk);
    const fileKeyOf = an10922FileKeys(fastAes, sunKeys.fileMaster, SUN_SUFFIX);
    const t0 = EVENT_START_MS / 1000;
    const enrolment: Enrolment[] = [];
    const sunRefs = new Map<string, string>();
    const clockRng = this.rng.fork('badge-clocks');
    const tagRng = this.rng.fork('tags');
    for (const a of this.registry.all) {
      const ag: Agent = {
        a,
        badge: null,
        tag: null,
        fw: null,
        place: null,
        x: 0,
        y: 0,
        nextMoveS: a.arriveS,
        next: null,
        transitUntil: 0,
        lastHeard: null,
      };
      if (a.credential === 'mcu') {
        // Provisioning station: keys from MK and the serial; the host gets keys and the opaque ref only.
        const keys = deriveBadgeKeys(fastAes, mk, a.serial);
        const offsetS = 10_000 + clockRng.int(2_000_000) - t0;
        ag.badge = new McuBadge(fastAes, keys, offsetS, clockRng.u32());
        enrolment.push({ ref: a.ref, keys, offsetS });
      } else {
        ag.tag = new SunTag(fastAes, a.nfcUid, sunKeys.metaRead, fileKeyOf(a.nfcUid), () => tagRng.next());
        sunRefs.set(sunTagRef(fastAes, sunKeys.ref, a.nfcUid), a.ref);
      }
      this.agents.push(ag);
    }
    for (const f of sc.faults) {
      if (f.kind !== 'clock-skew') continue;
      // The badge's clock is off from what the host enrolled, and runs fast or slow.
      const skewed = this.agents.filter((g) => g.badge).slice(0, f.badges);
      for (const g of skewed) {
        (g.badge as McuBadge).offsetS += f.skewS;
        (g.badge as McuBadge).driftPpm = f.driftPpm;
        (g.badge as McuBadge).driftFromS = t0;
      }
    }
    const idRng = this.rng.fork('reader-ids');
    const specs = sc.readers.map((spec) => {
      const id = new Uint8Array(8);
      idRng.fill(id);
      return { spec, id };
    });
    const journalKey = new Uint8Array(32);
    this.rng.fork('journal-key').fill(journalKey);
    this.host = new SimHost({
      tenant: sc.tenant,
      dataDir: o.dataDir,
      clock: this.clock,
      readers: specs.map((s) => ({ ...s.spec, idHex: toHexId(s.id) })),
      keyRandom: this.rng.fork('reader-keys'),
      enrolment,
      sunRefs,
      sunKeys,
      entitled: new Set(this.registry.all.filter((a) => a.entitled).map((a) => a.ref)),
      journalKey,
    });
    for (const s of specs) {
      const key = new Uint8Array(this.host.issued.get(toHexId(s.id)) as Uint8Array);
      const idHex = toHexId(s.id);
      // The scenario picks, per reader, the real reader bundle in the runtime or the protocol-level model.
      const reader: ReaderDevice = s.spec.firmware
        ? new FirmwareReader({
            name: s.spec.id,
            board: s.spec.board as FirmwareBoard,
            clock: this.clock,
            id: s.id,
            key,
            seed: this.nodes.length + 11,
            dedupMs: sc.air.dedupMs,
            isUp: () => this.host.sessionUp(idHex),
          })
        : new SimReader(
            s.spec.id,
            // Provisioning over USB: the host issued K_r, the tool writes it into the reader's Storage.
            { id: s.id, key, nextSeq: 1, outbox: [] },
            this.rng.fork(`reader-rnd/${s.spec.id}`),
            sc.air.dedupMs,
          );
      const node: ReaderNode = { spec: s.spec, reader, wire: null, wires: [], stolen: false };
      this.nodes.push(node);
      this.nodeByName.set(s.spec.id, node);
      const list = this.byPlace.get(s.spec.place) ?? [];
      list.push(node);
      this.byPlace.set(s.spec.place, list);
    }
  }

  /** Plugs every reader in and powers it on. */
  async init(): Promise<void> {
    for (const n of this.nodes) if (n.reader instanceof FirmwareReader) await n.reader.install();
    if (this.sc.firmwareBadges > 0) {
      const code = await badgeBundle();
      const sample = this.agents.filter((g) => g.badge).slice(-this.sc.firmwareBadges);
      for (const g of sample) {
        const b = g.badge as McuBadge;
        g.fw = new FirmwareBadge(code, this.clock, b.keys, b.badgeTime(this.nowS()), g.a.index + 1);
      }
    }
    for (const n of this.nodes) n.reader.powerOn(await this.connect(n), this.clock.now());
  }

  /** Unplugs every cable (kills the socat processes of pty links). */
  async dispose(): Promise<void> {
    await this.cabling.dispose();
  }

  node(name: string): ReaderNode {
    const n = this.nodeByName.get(name);
    if (!n) throw new Error(`no reader ${name}`);
    return n;
  }

  /** A fresh cable between a reader and the host (a serial cable plugged in). */
  async connect(node: ReaderNode): Promise<WireLink> {
    const cable = await this.cabling.plug(node.spec, this.host.up);
    const wire = new WireLink(
      cable.readerEnd,
      this.linkRng.fork(`wire${node.wires.length}/${node.spec.id}`),
      this.o.capture,
    );
    if (node.wire?.noise) wire.noise = node.wire.noise;
    node.wire = wire;
    node.wires.push(wire);
    wire.peer = cable.hostEnd;
    if (cable.hostEnd) this.host.track(toHexId(node.reader.flash.id), this.host.attach(cable.hostEnd));
    return wire;
  }

  nowS(): number {
    return this.clock.epoch();
  }

  /** Virtual seconds since the event started. */
  elapsedS(): number {
    return this.clock.now() / 1000;
  }

  /** One step: movements and taps, then every reader listens to the air for the step. */
  step(): void {
    const stepMs = this.sc.stepS * 1000;
    this.clock.advance(stepMs);
    const nowMs = this.clock.now();
    const el = nowMs / 1000;
    const nowS = this.nowS();
    const minute = Math.floor(el / 60);
    while (this.series.length <= minute) this.series.push({ sightings: 0, taps: 0, allow: 0, deny: 0 });
    for (const n of this.nodes) n.wire?.setNow(nowMs);
    for (const g of this.agents) {
      if (g.next && el >= g.transitUntil) {
        enterPlace(this.mobility, g, g.next);
        g.next = null;
      }
      if (el >= g.nextMoveS) moveAgent(this.mobility, g, el);
      if (!g.badge || !g.place) continue;
      const here = this.byPlace.get(g.place.id);
      if (!here) continue;
      for (const n of here) {
        const rssi = this.air.rssi(Math.hypot(g.x - n.spec.x, g.y - n.spec.y));
        if (!this.air.heard(rssi, stepMs)) continue;
        const em = g.fw ? g.fw.emission() : g.badge.emission(nowS);
        if (!em) continue;
        if (this.o.capture) this.air.transmit(`${g.a.index}:${em.address}`, concatAscii(em.address, em.adv));
        if (n.reader.hear(em.adv, rssi, nowMs)) {
          g.lastHeard = { reader: n.reader, atMs: nowMs };
          (this.series[minute] as { sightings: number }).sightings++;
        }
      }
    }
    for (const n of this.nodes) n.reader.poll(nowMs);
    this.host.tick();
  }

  /** Drains decisions the readers received: latency, expected outcome. */
  collectDecisions(): void {
    const minute = Math.floor(this.elapsedS() / 60);
    for (const n of this.nodes) {
      for (const d of n.reader.decisions.splice(0)) {
        const key = `${n.spec.id}:${d.tapSeq}`;
        const p = this.pending.get(key);
        if (!p) continue;
        this.pending.delete(key);
        this.latencies.push(performance.now() - p.wallMs);
        const s = this.series[minute];
        if (s) d.allow ? s.allow++ : s.deny++;
        if (p.expectAllow !== null && p.expectAllow !== d.allow) this.decisionMismatches++;
        if (p.attack) {
          const a = this.attacks[p.attack] ?? { answered: 0, refused: 0 };
          a.answered++;
          if (!d.allow) a.refused++;
          this.attacks[p.attack] = a;
        }
      }
    }
  }

  /** Sends a tap through a reader and remembers what the host should decide. */
  tapAt(
    node: ReaderNode,
    frame: Uint8Array,
    kind: number,
    chalId: number | undefined,
    p: Omit<PendingTap, 'wallMs'>,
  ): number {
    const seq = node.reader.tap(frame, kind, chalId, this.clock.now());
    if (seq === 0) return 0;
    if (this.o.capture) this.air.transmit(`nfc:${node.spec.id}:${seq}`, frame);
    this.recentTaps.push({ frame, kind, challengeId: chalId });
    if (this.recentTaps.length > 32) this.recentTaps.shift();
    this.pending.set(`${node.spec.id}:${seq}`, { ...p, wallMs: performance.now() });
    const s = this.series[Math.floor(this.elapsedS() / 60)];
    if (s) s.taps++;
    return seq;
  }

  /** Badges a reader reported in this very step (the relay attacker's targets). */
  liveBadges(): { ref: string; badge: McuBadge; reader: ReaderDevice }[] {
    const now = this.clock.now();
    const out: { ref: string; badge: McuBadge; reader: ReaderDevice }[] = [];
    for (const g of this.agents)
      if (g.badge && !g.fw && g.lastHeard && g.lastHeard.atMs === now)
        out.push({ ref: g.a.ref, badge: g.badge, reader: g.lastHeard.reader });
    return out;
  }

  /** Advances time with nobody moving: lets readers deliver what they still hold. */
  quietStep(): void {
    this.clock.advance(this.sc.stepS * 1000);
    const now = this.clock.now();
    for (const n of this.nodes) {
      n.wire?.setNow(now);
      n.reader.poll(now);
    }
  }

  /** Bytes written to a cable and not yet read at its other end. */
  inFlight(): number {
    let n = 0;
    for (const node of this.nodes) if (node.wire) n += node.wire.inFlight();
    return n;
  }

  /** Link bytes moved so far plus host journal writes: unchanged across turns = the world is quiet. */
  activity(): number {
    let n = this.host.stats.journaled;
    for (const node of this.nodes) for (const w of node.wires) n += w.moved;
    return n;
  }
}
