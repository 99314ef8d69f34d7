/**
 * The report's tables, built once from a run: the terminal summary and the HTML report render the same rows,
 * so a metric, a fault verdict or a reader column cannot say one thing in one and another in the other.
 * Cells hold counts, names and verdicts only, never canary values or key material.
 */
import type { RunResult } from '../world/runner';

export type Cell = string | number;

export interface Table {
  head: string[];
  rows: Cell[][];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Decision latencies in ascending order (wall-clock ms). */
export function sortedLatency(r: RunResult): number[] {
  return [...r.latencyMs].sort((a, b) => a - b);
}

function reasons(r: Record<string, number>): string {
  const e = Object.entries(r).sort((a, b) => b[1] - a[1]);
  return e.length === 0 ? '' : `(${e.map(([k, v]) => `${k} ${v}`).join(', ')})`;
}

function joined(...parts: string[]): string {
  return parts.filter((p) => p.length > 0).join(' ');
}

export function metricsTable(r: RunResult): Table {
  const t = r.totals;
  const lat = sortedLatency(r);
  const fw = r.firmwareBadges;
  return {
    head: ['metric', 'value', 'detail'],
    rows: [
      ['sightings', t.sightings, joined(`${t.resolved} resolved`, reasons(r.unresolved))],
      [
        'firmware badges',
        fw.running,
        `real badge bundle in the runtime: ${fw.heard} heard, ${fw.resolved} resolved`,
      ],
      ['taps', t.taps, joined('refused', reasons(r.tapRefusals))],
      ['decisions allow', t.allow, ''],
      ['decisions deny', t.deny, reasons(r.denyReasons)],
      ['leads', t.leads, ''],
      ['presence', t.presenceIntervals, `intervals closed, ${t.presenceEnter} entries`],
      ['relay flags', t.relayFlags, ''],
      ['journal', t.journaled, `events written, ${t.lost} lost`],
      ['unexpected decisions', t.decisionMismatches, 'vs the attendee registry (entitlement)'],
      [
        'decision latency',
        Math.round(percentile(lat, 50) * 10) / 10,
        `ms p50 (p95 ${percentile(lat, 95).toFixed(1)} ms, wall clock, host pipeline)`,
      ],
    ],
  };
}

export function faultsTable(r: RunResult): Table {
  return {
    head: ['kind', 'target', 'at s', 'injected', 'detected', 'verdict', 'detail'],
    rows: r.faults.map((f) => [
      f.kind,
      f.target,
      f.atS,
      f.injected,
      f.detected,
      f.ok ? 'ok' : 'FAILED',
      f.detail,
    ]),
  };
}

export function readersTable(r: RunResult): Table {
  return {
    head: [
      'reader',
      'role',
      'runs',
      'state',
      'sightings',
      'taps',
      'decisions',
      'handshakes',
      'reboots',
      'link faults',
      'outbox',
    ],
    rows: r.readerHealth.map((h) => [
      h.reader,
      h.role,
      h.firmware ? 'firmware' : 'model',
      h.stolen ? 'revoked' : h.online ? 'online' : 'offline',
      h.sightings,
      h.taps,
      h.decisions,
      h.handshakes,
      h.reboots,
      h.linkFaults,
      h.outbox,
    ]),
  };
}
