/**
 * Faults as composable behaviours over the world (zwave-js style: data in the scenario, behaviour here).
 * Each fault schedules its actions in virtual time and reports what it injected and how the system under
 * test detected or absorbed it. The verdicts are computed from the host's own counters and the journal,
 * never from what the fault believes it did.
 */
import { decodeTap, encodeAdvertisement, TAP_COUNTER, TAP_SUN } from '@badgewire/protocol';
import { SIM_CID } from './badges';
import type { FaultSpec } from './scenario';
import type { World } from './world';

export interface FaultReport {
  kind: FaultSpec['kind'];
  target: string;
  atS: number;
  injected: number;
  detected: number;
  /** Detected or absorbed as the design requires. */
  ok: boolean;
  detail: string;
}

export interface ScheduledAction {
  atS: number;
  run(w: World): Promise<void> | void;
}

export interface ActiveFault {
  spec: FaultSpec;
  actions: ScheduledAction[];
  /** Called after the run (and the drain) to judge the outcome. */
  report(w: World, lost: number): FaultReport;
}

function faultsOf(w: World, reader: string): number {
  let n = 0;
  for (const [k, v] of Object.entries(w.host.stats.linkFaults)) if (k.startsWith(`${reader} `)) n += v;
  return n + w.node(reader).reader.stats.faults;
}

export function planFault(f: FaultSpec, w: World): ActiveFault {
  switch (f.kind) {
    case 'line-noise': {
      const node = w.node(f.reader);
      return {
        spec: f,
        actions: [
          { atS: f.atS, run: () => void (node.wire && (node.wire.noise = { ...f })) },
          { atS: f.atS + f.forS, run: () => void (node.wire && (node.wire.noise = null)) },
        ],
        report: (w2, lost) => {
          let inj = 0;
          for (const x of node.wires)
            inj += x.counts.bitFlips + x.counts.drops + x.counts.dups + x.counts.stalls;
          const det = faultsOf(w2, f.reader);
          return {
            kind: f.kind,
            target: f.reader,
            atS: f.atS,
            injected: inj,
            detected: det,
            ok: lost === 0 && (inj === 0 || det > 0),
            detail: `link faults seen ${det}, events lost ${lost}`,
          };
        },
      };
    }
    case 'power-loss': {
      const node = w.node(f.reader);
      let hs = 0;
      return {
        spec: f,
        actions: [
          { atS: f.atS, run: () => node.reader.powerOff() },
          {
            atS: f.atS + f.offS,
            run: async (w2) => {
              hs = node.reader.stats.handshakes;
              node.reader.powerOn(await w2.connect(node), w2.clock.now());
            },
          },
        ],
        report: (_w2, lost) => {
          const back = node.reader.stats.handshakes > hs;
          return {
            kind: f.kind,
            target: f.reader,
            atS: f.atS,
            injected: 1,
            detected: back ? 1 : 0,
            ok: back && lost === 0,
            detail: `reconnected ${back}, events lost ${lost}`,
          };
        },
      };
    }
    case 'host-crash':
      return {
        spec: f,
        actions: [
          { atS: f.atS, run: (w2) => w2.host.crash() },
          {
            atS: f.atS + f.downS,
            run: async (w2) => {
              w2.host.start();
              for (const n of w2.nodes)
                if (n.reader.powered) n.reader.attach(await w2.connect(n), w2.clock.now());
            },
          },
        ],
        report: (w2, lost) => {
          const up = w2.nodes.filter((n) => !n.stolen && n.reader.isUp()).length;
          const want = w2.nodes.filter((n) => !n.stolen).length;
          return {
            kind: f.kind,
            target: 'host',
            atS: f.atS,
            injected: 1,
            detected: up === want ? 1 : 0,
            ok: up === want && lost === 0,
            detail: `${up}/${want} readers back online, events lost ${lost}`,
          };
        },
      };
    case 'clock-skew':
      return {
        spec: f,
        actions: [],
        report: (w2) => {
          const skewed = w2.agents.filter((g) => g.badge).slice(0, f.badges);
          const heard = skewed.filter((g) => g.lastHeard);
          const resolved = heard.filter((g) => w2.host.resolvedRefs.has(g.a.ref)).length;
          return {
            kind: f.kind,
            target: `${f.badges} badges`,
            atS: 0,
            injected: f.badges,
            detected: resolved,
            ok: resolved === heard.length,
            detail: `${resolved}/${heard.length} skewed badges heard were resolved (skew ${f.skewS} s, drift ${f.driftPpm} ppm)`,
          };
        },
      };
    case 'replay':
    case 'forgery': {
      let sent = 0;
      return {
        spec: f,
        actions: [
          {
            atS: f.atS,
            run: (w2) => {
              const booth = w2.nodes.find((n) => n.spec.role === 'booth' && n.reader.powered && !n.stolen);
              if (!booth) return;
              for (let i = 0; i < f.count; i++) {
                if (f.kind === 'replay') {
                  // The freshest taps sniffed off the air, replayed through another reader.
                  const t = w2.recentTaps[w2.recentTaps.length - 1 - (i % Math.max(1, w2.recentTaps.length))];
                  if (!t) break;
                  // A sniffed tap, replayed later through another reader.
                  const kind = decodeTap(t.frame).ok ? TAP_COUNTER : TAP_SUN;
                  if (
                    w2.tapAt(booth, t.frame, kind, t.challengeId, { expectAllow: false, attack: f.kind }) > 0
                  )
                    sent++;
                } else {
                  const frame = new Uint8Array(33);
                  w2.rng.fork(`forge${i}`).fill(frame);
                  frame[0] = 0x13;
                  if (
                    w2.tapAt(booth, frame, TAP_COUNTER, undefined, { expectAllow: false, attack: f.kind }) > 0
                  )
                    sent++;
                  const eph = new Uint8Array(16);
                  w2.rng.fork(`forge-adv${i}`).fill(eph);
                  booth.reader.hear(encodeAdvertisement(SIM_CID, eph), -50, w2.clock.now());
                }
              }
            },
          },
        ],
        report: (w2) => {
          const a = w2.attacks[f.kind] ?? { answered: 0, refused: 0 };
          return {
            kind: f.kind,
            target: 'booth reader',
            atS: f.atS,
            injected: sent,
            detected: a.refused,
            ok: sent > 0 && a.refused === sent,
            detail: `${a.refused}/${sent} refused by the host`,
          };
        },
      };
    }
    case 'relay': {
      let sent = 0;
      const relayed: string[] = [];
      // The relay attacker waits (up to 15 min) for badges a reader reports right now, and relays each one's
      // live advertisement to the reader farthest from where it really is.
      const tries: ScheduledAction[] = [];
      for (let t = f.atS; t < f.atS + 900; t += 5)
        tries.push({
          atS: t,
          run: (w2) => {
            for (const live of w2.liveBadges()) {
              if (sent >= f.count) return;
              const here = w2.nodes.find((n) => n.reader === live.reader);
              const far = w2.nodes
                .filter((n) => n.reader.powered && !n.stolen && here && n.spec.place !== here.spec.place)
                .sort((a, b) => dist(b, here) - dist(a, here))[0];
              if (!far) continue;
              if (far.reader.hear(live.badge.emission(w2.nowS()).adv, -55, w2.clock.now())) {
                sent++;
                relayed.push(live.ref);
              }
            }
          },
        });
      return {
        spec: f,
        actions: tries,
        report: (w2) => {
          const caught = relayed.filter((ref) => w2.host.relayFlagged.has(ref)).length;
          // Every flagged badge must be a relayed one: no false alarms from people walking about.
          const falseAlarms = [...w2.host.relayFlagged].filter((ref) => !relayed.includes(ref)).length;
          return {
            kind: f.kind,
            target: 'far reader',
            atS: f.atS,
            injected: sent,
            detected: caught,
            ok: sent > 0 && caught === sent && falseAlarms === 0,
            detail: `${caught}/${sent} relayed badges flagged, ${falseAlarms} other badges flagged`,
          };
        },
      };
    }
    case 'stolen-reader': {
      const node = w.node(f.reader);
      return {
        spec: f,
        actions: [
          {
            atS: f.atS,
            run: (w2) => {
              node.stolen = true;
              w2.host.revokeReader(idHex(node.reader.flash.id));
            },
          },
          // The thief keeps the reader and plugs it in again: the host must refuse the handshake.
          { atS: f.atS + 30, run: async (w2) => node.reader.attach(await w2.connect(node), w2.clock.now()) },
        ],
        report: (w2) => {
          // A refused handshake never proves who the peer is, so the host files it under "unknown".
          const lf = w2.host.stats.linkFaults;
          const refused =
            (lf[`${f.reader} E_CH_UNKNOWN_READER`] ?? 0) + (lf['unknown E_CH_UNKNOWN_READER'] ?? 0);
          const leaked = w2.host.stats.fromRevoked;
          return {
            kind: f.kind,
            target: f.reader,
            atS: f.atS,
            injected: 1,
            detected: refused,
            ok: refused > 0 && leaked === 0 && !node.reader.isUp(),
            detail: `${refused} handshakes refused, ${leaked} events accepted after revocation`,
          };
        },
      };
    }
  }
}

function dist(
  a: { spec: { x: number; y: number } },
  b: { spec: { x: number; y: number } } | undefined,
): number {
  return b ? Math.hypot(a.spec.x - b.spec.x, a.spec.y - b.spec.y) : 0;
}

function idHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
