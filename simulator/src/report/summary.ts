/** The run summary: a fixed-width text table for terminals and CI logs, and the machine JSON. */
import { formatHits } from '../audit/index';
import type { RunResult } from '../world/runner';
import { faultsTable, metricsTable, percentile, readersTable, sortedLatency, type Table } from './rows';

export { percentile } from './rows';

function table(t: Table): string[] {
  const cells = [t.head, ...t.rows.map((r) => r.map(String))];
  const w = t.head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r, j) =>
    r
      .map((c, i) =>
        j > 0 && typeof t.rows[j - 1]?.[i] === 'number'
          ? c.padStart(w[i] as number)
          : c.padEnd(w[i] as number),
      )
      .join('  ')
      .trimEnd(),
  );
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
  const out: string[] = [
    `badgewire sim: ${r.scenario}, seed ${r.seed}: ${r.badges} badges, ${r.readers} readers, ${(r.durationS / 3600).toFixed(2)} h simulated in ${(r.wallMs / 1000).toFixed(1)} s`,
    '',
    ...table(metricsTable(r)),
    '',
    'faults',
    ...table(faultsTable(r)),
    '',
    'readers',
    ...table(readersTable(r)),
    '',
    auditVerdict(r),
  ];
  if (r.audit && !r.audit.ok) for (const l of formatHits(r.audit.hits.slice(0, 50))) out.push(`  ${l}`);
  return out.join('\n');
}

/** The JSON for machines: everything but the raw latency samples (summarised) and the temp data dir. */
export function summaryJson(r: RunResult): object {
  const lat = sortedLatency(r);
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
