/**
 * Runs a scenario in virtual time: step the world, fire scheduled faults, let the links and the journal
 * settle (real event-loop turns, no sleeps), collect decisions. Afterwards a quiet drain lets readers hand
 * over what they still hold, then the PII audit covers every place a reader, the air or the host kept data.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuditResult, type Canary, type DeviceMemory, PiiAudit } from '../audit/index';
import { type ActiveFault, type FaultReport, planFault } from './faults';
import type { FirmwareBadge } from './firmware-badge';
import { FirmwareReader } from './firmware-reader';
import type { Scenario } from './scenario';
import { type ReaderNode, World } from './world';

export interface RunOptions {
  /** Override the scenario's badge count, duration or seed. */
  badges?: number;
  durationS?: number;
  seed?: number;
  /** Where the host writes its journal and logs (a fresh temp dir by default). */
  dataDir?: string;
  /** Capture link bytes and air frames for the audit (default true). */
  capture?: boolean;
  /** Run the PII audit at the end (default true). */
  audit?: boolean;
  linkChunk?: number;
  /** Receives the run's canaries once the attendees exist (to export them for `badgewire audit`). */
  onCanaries?(cs: Canary[]): void;
  onProgress?(doneS: number, totalS: number): void;
}

export interface ReaderHealth {
  reader: string;
  role: string;
  /** Runs the real reader bundle in the Espruino runtime (else the protocol-level model). */
  firmware: boolean;
  online: boolean;
  sightings: number;
  taps: number;
  decisions: number;
  handshakes: number;
  reboots: number;
  linkFaults: number;
  outbox: number;
  stolen: boolean;
}

export interface RunResult {
  scenario: string;
  seed: number;
  badges: number;
  readers: number;
  durationS: number;
  wallMs: number;
  totals: {
    sightings: number;
    resolved: number;
    taps: number;
    allow: number;
    deny: number;
    leads: number;
    presenceEnter: number;
    presenceIntervals: number;
    relayFlags: number;
    journaled: number;
    lost: number;
    decisionMismatches: number;
  };
  denyReasons: Record<string, number>;
  tapRefusals: Record<string, number>;
  unresolved: Record<string, number>;
  /** The sample of badges running the real firmware: how many were heard and resolved by the host. */
  firmwareBadges: { running: number; heard: number; resolved: number };
  /** Typed link faults the host saw, by "reader CODE". */
  linkFaults: Record<string, number>;
  series: { sightings: number; taps: number; allow: number; deny: number }[];
  /** Wall-clock ms from TAP sent to DECISION received (host pipeline incl. the journal commit). */
  latencyMs: number[];
  faults: FaultReport[];
  readerHealth: ReaderHealth[];
  audit: AuditResult | null;
  dataDir: string;
}

const turn = () => new Promise<void>((r) => setImmediate(r));
const pause = () => new Promise<void>((r) => setTimeout(r, 1));

/**
 * Event-loop turns until no link byte moves and no journal write lands for a few turns. Pseudo-terminals
 * move bytes through the kernel, so with any pty cable a calm turn must also be a short real-time pause.
 */
export async function settle(w: World, maxTurns = 200_000): Promise<void> {
  let last = -1;
  let calm = 0;
  const wait = w.cabling.anyPty ? pause : turn;
  for (let i = 0; i < maxTurns && calm < 4; i++) {
    await (calm > 0 ? wait() : turn());
    const a = w.activity();
    calm = a === last && w.inFlight() === 0 ? calm + 1 : 0;
    last = a;
  }
}

/** Events each (non-stolen) reader numbered that never reached the journal. */
export function lostEvents(w: World): number {
  let lost = 0;
  for (const n of w.nodes) {
    if (n.stolen) continue;
    // The real firmware numbers ahead and holds sightings in RAM while online (outbox.ts): what it has
    // accepted for good is its Storage queue, which must drain.
    if (n.reader instanceof FirmwareReader) {
      lost += n.reader.undelivered();
      continue;
    }
    const id = Array.from(n.reader.flash.id, (x) => x.toString(16).padStart(2, '0')).join('');
    for (let s = 1; s < n.reader.flash.nextSeq; s++) if (!w.host.journalIds.has(id, s)) lost++;
  }
  return lost;
}

/** A function-free deep copy of an object graph (Maps and Sets as arrays of entries), cycles cut. */
export function dataOf(v: unknown, seen = new Set<unknown>(), depth = 0): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'function' ? undefined : v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  if (seen.has(v) || depth > 24) return undefined;
  seen.add(v);
  if (v instanceof Map) return [...v.entries()].map((e) => dataOf(e, seen, depth + 1));
  if (v instanceof Set || Array.isArray(v)) return [...v].map((e) => dataOf(e, seen, depth + 1));
  const out: Record<string, unknown> = {};
  for (const k of Object.getOwnPropertyNames(v))
    out[k] = dataOf((v as Record<string, unknown>)[k], seen, depth + 1);
  return out;
}

function auditWorld(w: World): AuditResult {
  const audit = new PiiAudit(w.registry.canaries());
  // RAM of the protocol-level readers: their state is plain data (they own no closures over data), so the walk
  // runs over a data copy. Readers running the real firmware: the audit roots their runtime names (closures
  // included), then Storage and console. One inspector session for every firmware realm (readers and badges).
  const fwNodes: { n: ReaderNode; r: FirmwareReader }[] = [];
  for (const n of w.nodes) if (n.reader instanceof FirmwareReader) fwNodes.push({ n, r: n.reader });
  const sims = w.nodes.filter((n) => !(n.reader instanceof FirmwareReader));
  audit.runtimes(sims.map((n) => ({ place: `reader ${n.spec.id}`, global: dataOf(n.reader) as object })));
  const fw = w.agents.filter((g) => g.fw);
  const memories: { place: string; memory: DeviceMemory }[] = [];
  for (const { n, r } of fwNodes) {
    const m = r.auditRoots();
    if (m) memories.push({ place: `reader ${n.spec.id}`, memory: m });
    audit.text(`reader ${n.spec.id} console`, r.dev.consoleOutput);
  }
  for (const g of fw)
    memories.push({ place: `badge fw-${g.a.index}`, memory: (g.fw as FirmwareBadge).dev.auditRoots() });
  audit.memories(memories);
  for (const n of w.nodes) {
    audit.bytesAt(`reader ${n.spec.id} flash`, n.reader.flashBytes());
    n.wires.forEach((wire, i) => {
      audit.bytesAt(`link ${n.spec.id}#${i} reader->host`, Buffer.concat(wire.tx));
      audit.bytesAt(`link ${n.spec.id}#${i} host->reader`, Buffer.concat(wire.rx));
    });
  }
  // Badges running the real firmware: their realm, Storage and console.
  for (const g of fw) {
    audit.bytesAt(`badge fw-${g.a.index} flash`, g.fw?.dev.flash.dump() ?? new Uint8Array(0));
    audit.text(`badge fw-${g.a.index} console`, g.fw?.dev.consoleOutput ?? '');
  }
  audit.bytesAt('air', w.air.bytes());
  audit.directory('host', w.o.dataDir);
  return audit.result();
}

export async function runScenario(base: Scenario, o: RunOptions = {}): Promise<RunResult> {
  const t0 = performance.now();
  const sc: Scenario = {
    ...base,
    badges: o.badges ?? base.badges,
    durationS: o.durationS ?? base.durationS,
    seed: o.seed ?? base.seed,
  };
  // The host's disk lives in RAM by default: the journal fsyncs every commit, and a simulated hour must not
  // wait on a real disk. The bytes written are the same and the audit reads them all.
  const dataDir = o.dataDir ?? mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'bw-sim-'));
  const w = new World(sc, { dataDir, capture: o.capture ?? true, linkChunk: o.linkChunk ?? 256 });
  o.onCanaries?.(w.registry.canaries());
  try {
    return await drive(w, sc, o, t0);
  } finally {
    await w.host.stop();
    await w.dispose();
  }
}

async function drive(w: World, sc: Scenario, o: RunOptions, t0: number): Promise<RunResult> {
  await w.init();
  const faults: ActiveFault[] = sc.faults
    .filter((f) => !('atS' in f) || f.atS < sc.durationS)
    .map((f) => planFault(f, w));
  const actions = faults.flatMap((f) => f.actions).sort((a, b) => a.atS - b.atS);
  await settle(w);
  let next = 0;
  const steps = Math.ceil(sc.durationS / sc.stepS);
  for (let i = 0; i < steps; i++) {
    w.step();
    while (next < actions.length && (actions[next] as { atS: number }).atS <= w.elapsedS())
      await (actions[next++] as { run: (w: World) => Promise<void> | void }).run(w);
    await settle(w);
    w.collectDecisions();
    if (i % 12 === 0 || i === steps - 1) o.onProgress?.(w.elapsedS(), sc.durationS);
  }
  while (next < actions.length) await (actions[next++] as { run: (w: World) => Promise<void> | void }).run(w);
  // Drain: readers deliver what they still hold (after a late power cut or host restart).
  for (let i = 0; i < 24 && lostEvents(w) > 0; i++) {
    w.quietStep();
    await settle(w);
    w.collectDecisions();
  }
  const lost = lostEvents(w);
  const reports = faults.map((f) => f.report(w, lost));
  const readerHealth: ReaderHealth[] = w.nodes.map((n) => {
    let lf = 0;
    for (const [k, v] of Object.entries(w.host.stats.linkFaults)) if (k.startsWith(`${n.spec.id} `)) lf += v;
    const s = n.reader.stats;
    return {
      reader: n.spec.id,
      role: n.spec.role,
      firmware: n.reader instanceof FirmwareReader,
      online: n.reader.isUp(),
      sightings: s.sightings,
      taps: s.taps,
      decisions: s.decisions,
      handshakes: s.handshakes,
      reboots: s.reboots,
      linkFaults: lf + s.faults,
      outbox: n.reader.flash.outbox.length,
      stolen: n.stolen,
    };
  });
  await w.host.stop();
  await settle(w);
  await w.dispose();
  const audit = o.audit === false ? null : auditWorld(w);
  const h = w.host.stats;
  return {
    scenario: sc.name,
    seed: sc.seed,
    badges: sc.badges,
    readers: sc.readers.length,
    durationS: sc.durationS,
    wallMs: Math.round(performance.now() - t0),
    totals: {
      sightings: h.sightings,
      resolved: h.resolved,
      taps: h.taps,
      allow: h.allow,
      deny: h.deny,
      leads: h.leads,
      presenceEnter: h.presenceEnter,
      presenceIntervals: h.presenceIntervals,
      relayFlags: h.relayFlags,
      journaled: h.journaled,
      lost,
      decisionMismatches: w.decisionMismatches,
    },
    denyReasons: h.denyReasons,
    tapRefusals: h.tapRefusals,
    unresolved: h.unresolved,
    linkFaults: h.linkFaults,
    firmwareBadges: {
      running: w.agents.filter((g) => g.fw).length,
      heard: w.agents.filter((g) => g.fw && g.lastHeard).length,
      resolved: w.agents.filter((g) => g.fw && g.lastHeard && w.host.resolvedRefs.has(g.a.ref)).length,
    },
    series: w.series,
    latencyMs: w.latencies,
    faults: reports,
    readerHealth,
    audit,
    dataDir: w.o.dataDir,
  };
}
