/**
 * The host side of a simulated venue, built from the real host pieces: ReaderHub/ReaderSession (BW-SC host
 * role, reliable session, ACK after the journal write), the protocol Resolver and SunVerifier, AccessPolicy,
 * LeadCapture, Presence, RelayDetector, and the per-tenant SQLite journal with its replay store. The bridge
 * composition root does not wire a reader hub yet, so this is the composition for the simulator.
 *
 * The host knows attendees only by opaque refs and badge keys; it never sees a serial, UID or name. What it
 * keeps across a crash is what a real host keeps on disk: the journal and counters (SQLite in `dataDir`),
 * the reader records and the enrolment (the sealed key store on a real host).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AccessPolicy,
  createLogger,
  type HubEvent,
  LeadCapture,
  type Logger,
  MemoryReaderStore,
  Presence,
  ReaderHub,
  type ReaderSession,
  RelayDetector,
  TenantStores,
} from '@badgewire/host';
import {
  an10922FileKeys,
  type BadgeKeys,
  type Clock,
  decodeAdvertisement,
  E_BADGE_CHALLENGE,
  equalCt,
  errorName,
  fastAes,
  type Link,
  parseSunUrl,
  type Random,
  Resolver,
  SUN_DEFAULT_LAYOUT,
  type SunEventKeys,
  SunVerifier,
  sunTagRef,
  TAP_SUN,
} from '@badgewire/protocol';
import { SUN_SUFFIX } from './badges';
import { BUZZER, bump, emptyHostStats, LED, REASON_CODES } from './host-stats';
import { SimKeyring } from './keyring';
import { ReaderSeqs } from './reader-seqs';
import type { ReaderSpec } from './scenario';

export interface Enrolment {
  ref: string;
  keys: BadgeKeys;
  offsetS: number;
}

export interface HostConfig {
  tenant: string;
  dataDir: string;
  clock: Clock;
  readers: (ReaderSpec & { idHex: string })[];
  /** Stands in for the host CSPRNG that issues reader keys (seeded, so a run replays). */
  keyRandom: Random;
  enrolment: Enrolment[];
  /** SUN tag ref (keyed hash of the UID, computed at enrolment) -> attendee ref. */
  sunRefs: Map<string, string>;
  sunKeys: SunEventKeys;
  entitled: Set<string>;
  journalKey: Uint8Array;
}

export class SimHost {
  readonly stats = emptyHostStats();
  readonly readerStore = new MemoryReaderStore();
  readonly keyring: SimKeyring;
  /** K_r per reader id as issued at provisioning (what the tool writes over USB). */
  readonly issued = new Map<string, Uint8Array>();
  /** The reader events journalled (reader id, seq), to prove nothing accepted is lost or doubled. */
  readonly journalIds = new ReaderSeqs();
  /** Badge refs the relay detector flagged. */
  readonly relayFlagged = new Set<string>();
  /** Badge refs resolved at least once (the clock-skew fault's proof). */
  readonly resolvedRefs = new Set<string>();
  up = false;
  private hub!: ReaderHub;
  private resolver!: Resolver;
  private sun!: SunVerifier;
  private stores!: TenantStores;
  /** The tenant's journal, looked up once per start (the lookup validates and resolves a path). */
  private journal!: ReturnType<TenantStores['get']>['journal'];
  private log!: Logger;
  private readonly logLines: string[] = [];
  private readonly policy: AccessPolicy;
  private readonly leads = new LeadCapture();
  private readonly presence = new Presence({ timeoutMs: 300_000 });
  private readonly relay: RelayDetector;
  private readonly byId = new Map<string, HostConfig['readers'][number]>();
  private readonly sessions = new Map<string, ReaderSession>();
  private generation = 0;
  private readonly revoked = new Set<string>();
  /** Reader clock offsets: kept with the reader records (they survive a host restart, like the records). */
  private readonly uptimeOffsets = new Map<string, { off: number; lastUp: number }>();

  constructor(private readonly cfg: HostConfig) {
    mkdirSync(join(cfg.dataDir, 'logs'), { recursive: true });
    const doors = cfg.readers
      .filter((r) => r.role === 'door')
      .map((r) => ({ id: r.id, zone: r.zone ?? 'hall', from: null, mode: 'both' as const }));
    this.policy = new AccessPolicy({ doors, antiPassback: 'soft' });
    for (const ref of cfg.entitled) this.policy.setEntitlement(ref, { zones: ['hall'] });
    // Readers of one place share a zone: hearing a badge at both at once is normal, not a relay.
    this.relay = new RelayDetector({
      readers: cfg.readers.map((r) => ({ id: r.id, x: r.x, y: r.y, zone: r.place })),
    });
    for (const r of cfg.readers) this.byId.set(r.idHex, r);
    this.keyring = new SimKeyring(cfg.keyRandom);
    this.start();
    for (const r of cfg.readers) {
      this.hub.register(r.idHex, cfg.tenant, r.role === 'door' ? { door: true, doorId: r.id } : {});
      this.issued.set(r.idHex, this.hub.provision(r.idHex));
    }
  }

  /** (Re)starts the host process: everything in RAM is rebuilt from what is on disk. */
  start(): void {
    this.generation++;
    const nowS = this.cfg.clock.epoch();
    this.log = createLogger({
      sink: { write: (l: string) => void this.logLines.push(l) },
      base: { component: 'sim-host', gen: this.generation },
    });
    this.stores = new TenantStores({
      dataDir: this.cfg.dataDir,
      keys: { journalKey: () => this.cfg.journalKey },
      windowMs: 0,
      maxBatch: 4096,
      logger: this.log,
    });
    const replay = this.stores.get(this.cfg.tenant).replay;
    this.journal = this.stores.get(this.cfg.tenant).journal;
    const counters = {
      load: (ref: string) => replay.lastCounter(ref),
      save: (ref: string, ctr: number) =>
        void replay.advanceCounter(ref, ctr, Math.floor(this.cfg.clock.epoch())),
    };
    this.resolver = new Resolver({ nowS, store: counters, capacity: this.cfg.enrolment.length });
    for (const e of this.cfg.enrolment) this.resolver.addBadge(e.ref, e.keys.kId, e.keys.kTap, e.offsetS);
    const k = this.cfg.sunKeys;
    this.sun = new SunVerifier(
      fastAes,
      k.metaRead,
      an10922FileKeys(fastAes, k.fileMaster, SUN_SUFFIX),
      (uid) => sunTagRef(fastAes, k.ref, uid),
      counters,
    );
    this.hub = new ReaderHub({
      store: this.readerStore,
      keyring: this.keyring,
      clock: this.cfg.clock,
      onEvent: (ev) => this.event(ev),
      // The hub refills a door's pool only when a challenge is taken; a longer life keeps quiet doors usable.
      challengeTtlS: 900,
      onFault: (id, code) => {
        bump(
          this.stats.linkFaults,
          `${id ? (this.byId.get(id)?.id ?? 'unknown') : 'unknown'} ${errorName(code)}`,
        );
      },
    });
    this.up = true;
    this.log.info({ readers: this.cfg.readers.length, badges: this.cfg.enrolment.length }, 'host started');
  }

  /** A reader's transport arrives (serial port opened, BLE connected, memory link made). */
  attach(link: Link): ReaderSession {
    const s = this.hub.attach(link, 'serial');
    // This host is idempotent per reader and seq (`journalIds`, the journal's unique ids): a turn's events can
    // share one journal transaction and one ACK.
    s.groupCommit = true;
    return s;
  }

  /** The host dies: sessions drop, the journal closes; acknowledged events are on disk, the rest stay on readers. */
  async crash(): Promise<void> {
    this.up = false;
    this.log.warn('host crashed');
    this.hub.close();
    await this.stores.closeAll();
    this.flushLog();
  }

  /** Revokes a reader reported stolen: its record loses its key, its session is closed. */
  revokeReader(idHex: string): void {
    this.keyring.revokeAll(idHex);
    this.revoked.add(idHex);
    this.sessions.get(idHex)?.close();
    this.log.warn({ reader: this.byId.get(idHex)?.id }, 'reader revoked (reported stolen)');
  }

  track(idHex: string, s: ReaderSession): void {
    this.sessions.set(idHex, s);
  }

  sessionUp(idHex: string): boolean {
    return this.up && (this.sessions.get(idHex)?.isUp() ?? false);
  }

  tick(): void {
    const atMs = Math.floor(this.cfg.clock.epoch() * 1000);
    for (const p of this.presence.tick(atMs)) if (p.kind === 'leave') this.stats.presenceIntervals++;
    this.relay.prune(atMs);
  }

  async stop(): Promise<void> {
    if (this.up) {
      this.up = false;
      this.hub.close();
      await this.stores.closeAll();
    }
    this.flushLog();
  }

  private flushLog(): void {
    writeFileSync(join(this.cfg.dataDir, 'logs', 'host.log'), this.logLines.join(''));
  }

  /**
   * When the reader heard it, in host ms: its uptime plus the smallest receipt-minus-uptime seen since it
   * booted (the minimum-delay estimate of its clock offset). Sightings resent after an outage keep their own
   * time, so a queue flushed at once does not look like a badge crossing the hall in a second.
   */
  private heardAt(readerId: string, uptimeMs: number, nowMs: number): number {
    const o = this.uptimeOffsets.get(readerId);
    const off = nowMs - uptimeMs;
    if (!o || uptimeMs < o.lastUp || off < o.off) this.uptimeOffsets.set(readerId, { off, lastUp: uptimeMs });
    else o.lastUp = uptimeMs;
    return uptimeMs + (this.uptimeOffsets.get(readerId) as { off: number }).off;
  }

  private async event(ev: HubEvent): Promise<void> {
    const spec = this.byId.get(ev.readerId);
    if (!spec) throw new Error('event from an unknown reader');
    const journal = this.journal;
    const nowS = this.cfg.clock.epoch();
    const atMs = Math.floor(nowS * 1000);
    const id = `${ev.readerId}:${ev.seq}`;
    // Already journaled before a crash, but not yet acknowledged: the resend changes nothing.
    if (this.journalIds.has(ev.readerId, ev.seq)) return;
    if (this.revoked.has(ev.readerId)) this.stats.fromRevoked++;
    const m = ev.msg;
    if (m.type === 16) {
      this.stats.sightings++;
      const adv = decodeAdvertisement(m.adv);
      const r = adv.ok ? this.resolver.resolveSighting(adv.value.eph, nowS) : adv;
      const ref = r.ok ? r.value.badge : null;
      if (ref) {
        this.stats.resolved++;
        this.resolvedRefs.add(ref);
        const seenMs = this.heardAt(ev.readerId, m.uptimeMs, atMs);
        const flag = this.relay.observe(ref, spec.id, seenMs);
        if (flag) {
          this.stats.relayFlags++;
          this.relayFlagged.add(ref);
          this.log.warn({ readers: flag.readers, speedMps: Math.round(flag.speedMps) }, 'relay suspected');
        }
        if (spec.role === 'room')
          for (const p of this.presence.sighting(ref, spec.place, m.rssi, seenMs)) {
            if (p.kind === 'enter') this.stats.presenceEnter++;
            else this.stats.presenceIntervals++;
          }
      } else if (!r.ok) bump(this.stats.unresolved, errorName(r.code));
      await this.append(
        journal,
        {
          id,
          kind: 'sighting',
          readerId: spec.id,
          at: atMs,
          data: { ref, rssi: m.rssi },
        },
        ev,
      );
      return;
    }
    this.stats.taps++;
    let ref: string | null = null;
    let code = 0;
    if (m.kind === TAP_SUN) {
      const msg = parseSunUrl(String.fromCharCode(...m.frame), SUN_DEFAULT_LAYOUT);
      const v = msg.ok ? this.sun.verify(msg.value) : msg;
      if (v.ok) ref = this.cfg.sunRefs.get(v.value.ref) ?? null;
      else code = v.code;
    } else {
      const taken = m.challengeId !== undefined ? this.hub.takeChallenge(ev.readerId, m.challengeId) : null;
      const check = {
        consume: (chal: Uint8Array) => (taken && equalCt(taken, chal) ? 0 : E_BADGE_CHALLENGE),
      };
      const v = this.resolver.verifyTap(m.frame, nowS, check);
      if (v.ok) ref = v.value.badge;
      else code = v.code;
    }
    if (code !== 0) bump(this.stats.tapRefusals, errorName(code));
    const d =
      ref === null
        ? this.policy.denyCredential(code)
        : spec.role === 'door'
          ? this.policy.decide(ref, spec.id, 'in', Math.floor(nowS))
          : {
              allow: true,
              reason: 'granted' as const,
              relayMs: 0,
              led: 'green' as const,
              buzzer: 'short' as const,
            };
    const lead =
      spec.role === 'booth' && ref !== null && this.leads.capture(spec.exhibitor ?? spec.id, ref, atMs).fresh;
    // The tap, its lead and its decision go into one journal batch, as the bridge's engine writes them.
    const rows: Parameters<SimHost['append']>[1][] = [
      { id, kind: 'tap', readerId: spec.id, at: atMs, data: { ref, code, kind: m.kind } },
    ];
    if (lead) rows.push({ id: `${id}:lead`, kind: 'lead', readerId: spec.id, at: atMs, data: { ref } });
    rows.push({
      id: `${id}:decision`,
      kind: 'decision',
      readerId: spec.id,
      at: atMs,
      data: { ref, allow: d.allow, reason: d.reason },
    });
    await Promise.all(rows.map((r, i) => this.append(journal, r, i === 0 ? ev : null)));
    if (lead) this.stats.leads++;
    if (d.allow) this.stats.allow++;
    else {
      this.stats.deny++;
      bump(this.stats.denyReasons, d.reason);
    }
    this.stats.decisionLog.push([nowS, d.allow]);
    this.hub.decide(ev.readerId, {
      tapSeq: ev.seq,
      allow: d.allow,
      relayMs: d.relayMs,
      led: LED[d.led],
      buzzer: BUZZER[d.buzzer],
      reason: REASON_CODES[d.reason] ?? 99,
    });
  }

  private async append(
    journal: ReturnType<TenantStores['get']>['journal'],
    ev: Parameters<ReturnType<TenantStores['get']>['journal']['append']>[0],
    reader: HubEvent | null,
  ): Promise<void> {
    const r = await journal.append(ev);
    if (r.fresh) {
      this.stats.journaled++;
      // A tap's lead and decision rows share its fate (one batch): the event's own row stands for all of them.
      if (reader) this.journalIds.add(reader.readerId, reader.seq);
    }
  }
}
