/**
 * The decision engine: the ReaderHub's `onEvent`. Each SIGHTING/TAP is routed to its tenant's pipeline
 * (./tenant), its rows are journalled, and only then does a tap's DECISION go back through the hub; the
 * hub ACKs the event after `handle` resolves. Time comes from the injected Clock; a 1-s timer slides the
 * resolver windows so the slide is not charged to a tap's latency.
 *
 * Logs carry codes, counts and reader ids only: never refs, frames, serials or keys.
 */
import type { Clock, CounterStore } from '@badgewire/protocol';
import type { AccessPolicy, PresenceConfig } from '../access/index';
import { BadgewireError } from '../errors';
import type { Journal } from '../journal/index';
import type { Logger } from '../log/index';
import type { HubEvent } from '../readers/index';
import { type BadgeEnrolment, enrolBadges, type MasterKeySource } from './enrol';
import {
  type DecisionPort,
  type EngineReader,
  type EngineStats,
  type SunSetup,
  TenantEngine,
} from './tenant';

/** Per-tenant stores the engine writes: the journal and the durable tap-counter store. */
export interface EngineStores {
  get(tenant: string): {
    journal: Journal;
    replay: { counterStore(now?: () => number): CounterStore };
  };
}

export interface EngineEnrolment {
  keys: MasterKeySource;
  masterKeyId: string;
  badges: readonly BadgeEnrolment[];
}

export interface DecisionEngineOptions {
  clock: Clock;
  stores: EngineStores;
  /** One policy per tenant (the API's entitlement and revocation updates land in these). */
  policies: ReadonlyMap<string, AccessPolicy>;
  readers: readonly EngineReader[];
  /** Badges per tenant, derived from the event master key in the key store. */
  enrolment?: ReadonlyMap<string, EngineEnrolment>;
  sun?: ReadonlyMap<string, SunSetup>;
  presence?: PresenceConfig;
  relay?: { maxSpeedMps?: number; horizonMs?: number };
  log?: Logger;
}

export function emptyEngineStats(): EngineStats {
  return {
    sightings: 0,
    resolved: 0,
    taps: 0,
    allowed: 0,
    denied: 0,
    leads: 0,
    alerts: 0,
    decisionsSent: 0,
    refusals: {},
  };
}

export class DecisionEngine {
  readonly stats = emptyEngineStats();
  private readonly tenants = new Map<string, TenantEngine>();
  private readonly readers = new Map<string, EngineReader>();
  private hub: DecisionPort | null = null;
  private timer = -1;
  private ticking: Promise<void> = Promise.resolve();

  constructor(private readonly o: DecisionEngineOptions) {
    for (const r of o.readers) this.readers.set(r.id, r);
    const nowS = o.clock.epoch();
    for (const [tenant, policy] of o.policies) {
      const store = o.stores.get(tenant);
      const nowMs = () => Math.floor(o.clock.epoch() * 1000);
      const enrol = o.enrolment?.get(tenant);
      const t = new TenantEngine(
        {
          tenant,
          journal: store.journal,
          counters: store.replay.counterStore(nowMs),
          policy,
          nowS,
          capacity: enrol?.badges.length,
          sun: o.sun?.get(tenant),
          presence: o.presence,
          relay: o.relay,
          readers: o.readers.filter((r) => r.tenant === tenant),
        },
        this.stats,
      );
      t.port = () => this.port();
      if (enrol) enrolBadges(t.resolver, enrol.keys, enrol.masterKeyId, enrol.badges);
      this.tenants.set(tenant, t);
      o.log?.info({ tenant, badges: t.resolver.size }, 'decision engine: tenant ready');
    }
  }

  /** The hub that takes challenges and carries decisions (created after the engine: it needs `handle`). */
  bind(hub: DecisionPort): void {
    this.hub = hub;
  }

  /** The hub's onEvent: resolves once every row of the event is durable (and a tap's DECISION is sent). */
  async handle(ev: HubEvent): Promise<void> {
    const r = this.readers.get(ev.readerId);
    const t = this.tenants.get(ev.tenant);
    if (!r || r.tenant !== ev.tenant || !t)
      throw new BadgewireError('E_ENGINE_READER', 'event from a reader the engine has no role for', {
        readerId: ev.readerId,
      });
    const nowS = this.o.clock.epoch();
    if (ev.msg.type === 16) return t.sighting(r, ev.seq, ev.msg, nowS);
    const d = await t.tap(r, ev.seq, ev.msg, nowS);
    if (d && this.port().decide(r.id, d)) this.stats.decisionsSent++;
  }

  /** Revokes a badge: the resolver then names it in refusals (E_BADGE_REVOKED) and the policy denies it. */
  revoke(tenant: string, ref: string): boolean {
    this.o.policies.get(tenant)?.revoke(ref);
    return this.tenants.get(tenant)?.revoke(ref) ?? false;
  }

  resolverOf(tenant: string) {
    return this.tenants.get(tenant)?.resolver;
  }

  /** Starts the 1-s duty timer (resolver slide, presence timeouts, relay pruning). */
  start(): void {
    if (this.timer >= 0) return;
    const loop = () => {
      this.timer = this.o.clock.setTimer(1000, loop);
      this.ticking = this.ticking
        .then(() => this.tick())
        .catch((err) => this.o.log?.warn({ code: err?.code }, 'engine tick failed'));
    };
    this.timer = this.o.clock.setTimer(1000, loop);
  }

  /** Stops the timer and waits for a running tick. */
  async stop(): Promise<void> {
    if (this.timer >= 0) this.o.clock.clearTimer(this.timer);
    this.timer = -1;
    await this.ticking;
  }

  async tick(): Promise<void> {
    const nowS = this.o.clock.epoch();
    for (const [tenant, t] of this.tenants) await t.tick(nowS, (room) => this.roomReader(tenant, room));
  }

  private roomReader(tenant: string, room: string): string {
    for (const r of this.readers.values()) if (r.tenant === tenant && (r.zone ?? r.id) === room) return r.id;
    return 'engine';
  }

  private port(): DecisionPort {
    if (!this.hub) throw new BadgewireError('E_ENGINE_READER', 'decision engine has no hub bound', {});
    return this.hub;
  }
}
