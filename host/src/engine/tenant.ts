/**
 * One tenant's decision pipeline over its opaque refs: the resolver (EphIDs and tap frames -> refs, tap
 * counters written through to the tenant's SQLite replay store), SUN for passive tags, relay detection,
 * presence, lead capture and the door policy. Every outcome becomes journal rows whose ids derive from the
 * reader event id, so a redelivered event can never add a second row.
 *
 * Verification has side effects (a counter advanced, a challenge consumed), so an event's outcome is kept by
 * id for a while: when its journal write fails and the reader resends, the resend is journalled with the
 * first outcome instead of being refused as a replay of itself. After a host crash between the counter write
 * and the journal write the resend is refused as a replay (fail closed): the card holder taps again.
 */
import { randomBytes } from 'node:crypto';
import {
  an10922FileKeys,
  type CounterStore,
  decodeAdvertisement,
  E_BADGE_CHALLENGE,
  E_BADGE_HEADER,
  E_BADGE_REPLAY,
  E_SUN_REPLAY,
  equalCt,
  errorName,
  fastAes,
  HDR_TAP_C,
  HDR_TAP_S,
  parseSunUrl,
  Resolver,
  type SightingMsg,
  SUN_DEFAULT_LAYOUT,
  type SunEventKeys,
  SunVerifier,
  sunTagRef,
  TAP_CHALLENGE,
  TAP_COUNTER,
  TAP_SUN,
  type TapMsg,
  toHex,
} from '@badgewire/protocol';
import {
  type AccessPolicy,
  type Decision,
  LeadCapture,
  Presence,
  type PresenceConfig,
  type PresenceEvent,
  ReaderTimeBase,
  RelayDetector,
} from '../access/index';
import type { Journal, JournalEventInput } from '../journal/index';
import { CAPTURED, type DecisionFields, decisionFields } from './codes';

export type TapMode = 'C' | 'S' | 'SUN';

export interface EngineReader {
  /** 16 hex digits: the reader's link id (journal `readerId`). */
  id: string;
  tenant: string;
  role: 'door' | 'lead' | 'presence';
  /** Door id in the AccessPolicy (door readers). */
  door?: string;
  /** Room for presence; readers sharing a zone never flag each other as a relay. */
  zone?: string;
  /** Lead owner for booth readers (default: the reader id). */
  exhibitor?: string;
  direction?: 'in' | 'out';
  /** Venue position in metres, for relay detection (readers without one are never compared). */
  x?: number;
  y?: number;
  /** Accepted tap modes. Door readers default to challenge-response only: a counter tap there is a downgrade. */
  modes?: TapMode[];
}

export interface SunSetup {
  keys: SunEventKeys;
  /** AID ‖ SystemIdentifier for AN10922 file keys. */
  suffix: Uint8Array;
  /** Tag ref (`sunTagRef`) -> attendee ref; an unmapped tag is known by its tag ref. */
  refs?: ReadonlyMap<string, string>;
}

export interface TenantSetup {
  tenant: string;
  journal: Journal;
  counters: CounterStore;
  policy: AccessPolicy;
  nowS: number;
  capacity?: number;
  sun?: SunSetup;
  presence?: PresenceConfig;
  relay?: { maxSpeedMps?: number; horizonMs?: number };
  readers: EngineReader[];
}

/** Where the engine takes challenges from and sends decisions to (the ReaderHub). */
export interface DecisionPort {
  takeChallenge(readerId: string, challengeId: number): Uint8Array | null;
  decide(readerId: string, d: DecisionFields): boolean;
}

export interface EngineStats {
  sightings: number;
  resolved: number;
  taps: number;
  allowed: number;
  denied: number;
  leads: number;
  alerts: number;
  decisionsSent: number;
  /** Refusals by protocol error name (codes only). */
  refusals: Record<string, number>;
}

interface TapOutcome {
  ref: string | null;
  code: number;
  mode: TapMode | null;
  decision: Decision;
}

/** What one reader event produced: its journal rows and, for a tap, the DECISION. */
interface Outcome {
  rows: JournalEventInput[];
  send: DecisionFields | null;
}

const RECENT = 4096;
const ALERTING = new Set([
  'E_BADGE_REPLAY',
  'E_BADGE_FORGED',
  'E_BADGE_CHALLENGE',
  'E_SUN_REPLAY',
  'E_SUN_MAC',
]);

function modeOf(m: TapMsg): TapMode | null {
  if (m.kind === TAP_SUN) return 'SUN';
  if (m.kind === TAP_CHALLENGE) return 'C';
  if (m.kind === TAP_COUNTER) return 'S';
  return null;
}

export class TenantEngine {
  readonly resolver: Resolver;
  private readonly sun: SunVerifier | null;
  private readonly sunRefs: ReadonlyMap<string, string>;
  private readonly leads = new LeadCapture();
  private readonly presence: Presence;
  private readonly relay: RelayDetector;
  private readonly timeBase: ReaderTimeBase;
  private readonly recent = new Map<string, Outcome>();

  constructor(
    private readonly s: TenantSetup,
    private readonly stats: EngineStats,
  ) {
    this.resolver = new Resolver({ nowS: s.nowS, store: s.counters, capacity: s.capacity });
    const sun = s.sun;
    this.sun = sun
      ? new SunVerifier(
          fastAes,
          sun.keys.metaRead,
          an10922FileKeys(fastAes, sun.keys.fileMaster, sun.suffix),
          (uid) => sunTagRef(fastAes, sun.keys.ref, uid),
          s.counters,
        )
      : null;
    this.sunRefs = sun?.refs ?? new Map();
    this.presence = new Presence(s.presence);
    const placed = s.readers.filter((r) => r.x !== undefined && r.y !== undefined);
    this.timeBase = new ReaderTimeBase();
    this.relay = new RelayDetector({
      readers: placed.map((r) => ({ id: r.id, x: r.x as number, y: r.y as number, zone: r.zone })),
      ...s.relay,
    });
  }

  /** SIGHTING -> ref (or the refusal's name) -> relay check + presence -> journal rows. */
  async sighting(r: EngineReader, seq: number, m: SightingMsg, nowS: number): Promise<void> {
    const id = `${r.id}:${seq}`;
    const done =
      this.recent.get(id) ?? this.remember(id, { rows: this.sightingRows(id, r, m, nowS), send: null });
    await this.append(done.rows);
  }

  /**
   * TAP -> verified ref -> policy/lead -> journal rows (one batch) -> the decision to send, or null when it
   * was sent already: a DECISION is never repeated for a redelivered tap, so a late one cannot open a door.
   */
  async tap(r: EngineReader, seq: number, m: TapMsg, nowS: number): Promise<DecisionFields | null> {
    const id = `${r.id}:${seq}`;
    const done = this.recent.get(id) ?? this.remember(id, this.tapRows(id, seq, r, m, nowS));
    await this.append(done.rows);
    const send = done.send;
    done.send = null;
    return send;
  }

  private sightingRows(id: string, r: EngineReader, m: SightingMsg, nowS: number): JournalEventInput[] {
    this.stats.sightings++;
    const at = Math.floor(nowS * 1000);
    const adv = decodeAdvertisement(m.adv);
    const res = adv.ok ? this.resolver.resolveSighting(adv.value.eph, nowS) : adv;
    if (!res.ok)
      return [this.row(id, 'sighting', r, at, { ref: null, rssi: m.rssi, error: errorName(res.code) })];
    this.stats.resolved++;
    const ref = res.value.badge;
    const rows = [this.row(id, 'sighting', r, at, { ref, rssi: m.rssi, slot: res.value.slot })];
    // Keyed by the EphID, which rotates every slot: the detector holds no stable badge id.
    // Compared on the host clock: the reader's uptime stamp mapped through its offset (./access/time-base).
    const seenAt = this.timeBase.map(r.id, m.uptimeMs, at);
    const flag = adv.ok ? this.relay.observe(toHex(adv.value.eph), r.id, seenAt) : null;
    if (flag) {
      this.stats.alerts++;
      rows.push(
        this.row(`${id}:relay`, 'alert', r, at, {
          alert: 'relay-suspected',
          ref,
          readers: flag.readers,
          speedMps: Math.round(flag.speedMps * 10) / 10,
        }),
      );
    }
    if (r.role === 'presence') {
      let n = 0;
      for (const p of this.presence.sighting(ref, r.zone ?? r.id, m.rssi, at))
        rows.push(this.presenceRow(`${id}:presence${n++}`, r.id, p));
    }
    return rows;
  }

  private tapRows(id: string, seq: number, r: EngineReader, m: TapMsg, nowS: number): Outcome {
    this.stats.taps++;
    const at = Math.floor(nowS * 1000);
    const o = this.verify(r, m, nowS);
    const rows: JournalEventInput[] = [
      this.row(id, 'tap', r, at, {
        ref: o.ref,
        mode: o.mode,
        result: o.code === 0 ? 'ok' : errorName(o.code),
      }),
    ];
    if (o.code !== 0 && ALERTING.has(errorName(o.code))) {
      this.stats.alerts++;
      rows.push(this.row(`${id}:alert`, 'alert', r, at, { alert: 'tap-refused', error: errorName(o.code) }));
    }
    const d = o.decision;
    if (r.role === 'lead' && o.ref !== null && d.allow) {
      const lead = this.leads.capture(r.exhibitor ?? r.id, o.ref, at);
      if (lead.fresh) {
        this.stats.leads++;
        rows.push(this.row(`${id}:lead`, 'lead', r, at, { ref: o.ref, exhibitor: r.exhibitor ?? r.id }));
      }
    }
    rows.push(
      this.row(`${id}:decision`, 'decision', r, at, {
        ref: o.ref,
        allow: d.allow,
        reason: d.reason,
        ...(o.code !== 0 ? { error: errorName(o.code) } : {}),
        ...(r.door ? { door: r.door } : {}),
      }),
    );
    if (d.allow) this.stats.allowed++;
    else this.stats.denied++;
    return { rows, send: decisionFields(seq, d) };
  }

  /** The 1-s duty: slide resolver windows, close presence intervals, forget old relay sightings. */
  async tick(nowS: number, readerIdOf: (room: string) => string): Promise<void> {
    this.resolver.advance(nowS);
    const at = Math.floor(nowS * 1000);
    this.relay.prune(at);
    const rows = this.presence
      .tick(at)
      .map((p) => this.presenceRow(`presence:${toHex(randomBytes(8))}`, readerIdOf(p.room), p));
    if (rows.length > 0) await this.append(rows);
  }

  revoke(ref: string): boolean {
    return this.resolver.revoke(ref);
  }

  private verify(r: EngineReader, m: TapMsg, nowS: number): TapOutcome {
    const mode = modeOf(m);
    const allowed = r.modes ?? (r.role === 'door' ? ['C'] : ['C', 'S']);
    let ref: string | null = null;
    let code = 0;
    const hdr = m.frame[0];
    if (mode === null || (mode !== 'SUN' && hdr !== (mode === 'C' ? HDR_TAP_C : HDR_TAP_S)))
      code = E_BADGE_HEADER; // the reader's kind and the badge's header disagree: a relabelled frame
    else if (!allowed.includes(mode))
      // A counter tap where a challenge is required (or SUN where it is not offered) is a downgrade.
      code = mode === 'S' ? E_BADGE_CHALLENGE : E_BADGE_HEADER;
    else if (mode === 'SUN') {
      const msg = this.sun ? parseSunUrl(String.fromCharCode(...m.frame), SUN_DEFAULT_LAYOUT) : null;
      const v = msg && this.sun ? (msg.ok ? this.sun.verify(msg.value) : msg) : null;
      if (v?.ok) ref = this.sunRefs.get(v.value.ref) ?? v.value.ref;
      else code = v ? v.code : E_BADGE_HEADER;
    } else {
      // Taken before verification: a challenge is single-use whatever the outcome.
      const taken =
        mode === 'C' && m.challengeId !== undefined ? this.port().takeChallenge(r.id, m.challengeId) : null;
      const check =
        mode === 'C'
          ? {
              consume: (chal: Uint8Array) => (taken !== null && equalCt(taken, chal) ? 0 : E_BADGE_CHALLENGE),
            }
          : null;
      const v = this.resolver.verifyTap(m.frame, nowS, check);
      if (v.ok) ref = v.value.badge;
      else code = v.code;
    }
    if (code !== 0) this.stats.refusals[errorName(code)] = (this.stats.refusals[errorName(code)] ?? 0) + 1;
    return { ref, code, mode, decision: this.decide(r, ref, code, nowS) };
  }

  private decide(r: EngineReader, ref: string | null, code: number, nowS: number): Decision {
    const p = this.s.policy;
    if (ref === null) return p.denyCredential(code === E_SUN_REPLAY ? E_BADGE_REPLAY : code);
    if (r.role !== 'door') return CAPTURED;
    return p.decide(ref, r.door ?? r.id, r.direction ?? 'in', Math.floor(nowS));
  }

  /** Set by the engine once the hub exists (the hub needs the engine's handler first). */
  port: () => DecisionPort = () => {
    throw new Error('decision engine: no hub bound');
  };

  private remember(id: string, o: Outcome): Outcome {
    this.recent.set(id, o);
    if (this.recent.size > RECENT) this.recent.delete(this.recent.keys().next().value as string);
    return o;
  }

  private presenceRow(id: string, readerId: string, p: PresenceEvent): JournalEventInput {
    const data: Record<string, unknown> = { presence: p.kind, ref: p.ref, room: p.room };
    if (p.kind === 'leave') {
      data.fromMs = p.fromMs;
      data.dwellMs = p.dwellMs;
    }
    return { id, kind: 'presence', readerId, at: p.atMs, data };
  }

  private row(
    id: string,
    kind: JournalEventInput['kind'],
    r: EngineReader,
    at: number,
    data: Record<string, unknown>,
  ): JournalEventInput {
    return { id, kind, readerId: r.id, at, data };
  }

  /** All rows of one event go into the same group commit; the caller's promise resolves when all are durable. */
  private async append(rows: JournalEventInput[]): Promise<void> {
    await Promise.all(rows.map((x) => this.s.journal.append(x)));
  }
}
