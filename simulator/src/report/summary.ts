/** The run summary: a fixed-width text table for terminals and CI logs, and the machine JSON. */
import { formatHits } from '../audit/index';
import type { RunResult } from '../world/runner';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function table(head: string[], rows: (string | number)[][]): string[] {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r, j) =>
    r
      .map((c, i) =>
        j > 0 && typeof rows[j - 1]?.[i] === 'number' ? c.padStart(w[i] as number) : c.padEnd(w[i] as number),
      )
      .join('  '),
  );
}

function reasons(r: Record<string, number>): string {
  const e = Object.entries(r).sort((a, b) => b[1] - a[1]);
  return e.length === 0 ? '' : ` (${e.map(([k, v]) => `${k} ${v}`).join(', ')})`;
}

export function auditVerdict(r: RunResult): string {
  if (!r.audit) return 'AUDIT SKIPPED';
  return r.audit.ok
    ? `AUDIT PASS: no canary PII in ${r.audit.places} places (${r.audit.bytesScanned} bytes, ${r.audit.patterns} patterns)`
    : `AUDIT FAIL: ${r.audit.hits.length} canary hits`;
}

/** Exit status of a run: any audit hit, lost event or failed fault verdict fails it. */
export function runFailed(r: RunResult): boolean {
  return (r.audit !== null && !r.audit.ok) || r.totals.lost > 0 || r.faults.some((f) => !f.ok);
}

export function formatSummary(r: RunResult): string {
  const t = r.totals;
  const lat = [...r.latencyMs].sort((a, b) => a - b);
  const out: string[] = [
    `badgewire sim: ${r.scenario}, seed ${r.seed}: ${r.badges} badges, ${r.readers} readers, ${(r.durationS / 3600).toFixed(2)} h simulated in ${(r.wallMs / 1000).toFixed(1)} s`,
    '',
    ...table(
      ['metric', 'value', 'detail'],
      [
        ['sightings', t.sightings, `${t.resolved} resolved${reasons(r.unresolved)}`],
        [
          'firmware badges',
          r.firmwareBadges.running,
          `real badge bundle in the runtime: ${r.firmwareBadges.heard} heard, ${r.firmwareBadges.resolved} resolved`,
        ],
        ['taps', t.taps, `refused${reasons(r.tapRefusals)}`],
        ['decisions allow', t.allow, ''],
        ['decisions deny', t.deny, reasons(r.denyReasons).trim()],
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
    ),
    '',
    'faults',
    ...table(
      ['kind', 'target', 'at s', 'injected', 'detected', 'verdict', 'detail'],
      r.faults.map((f) => [
        f.kind,
        f.target,
        f.atS,
        f.injected,
        f.detected,
        f.ok ? 'ok' : 'FAILED',
        f.detail,
      ]),
    ),
    '',
    'readers',
    ...table(
      [
        'reader',
        'role',
        'state',
        'sightings',
        'taps',
        'decisions',
        'handshakes',
        'reboots',
        'link faults',
        'outbox',
      ],
      r.readerHealth.map((h) => [
        h.reader,
        h.role,
        h.stolen ? 'revoked' : h.online ? 'online' : 'offline',
        h.sightings,
        h.taps,
        h.decisions,
        h.handshakes,
        h.reboots,
        h.linkFaults,
        h.outbox,
      ]),
    ),
    '',
    auditVerdict(r),
  ];
  if (r.audit && !r.audit.ok) for (const l of formatHits(r.audit.hits.slice(0, 50))) out.push(`  ${l}`);
  return out.join('\n');
}

/** The JSON for machines: everything but the raw latency samples (summarised) and the temp data dir. */
export function summaryJson(r: RunResult): object {
  const lat = [...r.latencyMs].sort((a, b) => a - b);
  const { latencyMs: _l, dataDir: _d, ...rest } = r;
  return {
    ...rest,
    latency: {
      samples: lat.length,
      p50: percentile(lat, 50),
      p95: percentile(lat, 95),
      max: lat[lat.length - 1] ?? 0,
    },
    failed: runFailed(r),
  };
}
