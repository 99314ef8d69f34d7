/**
 * The offline HTML report of a run: one self-contained file (inline CSS and SVG, no scripts, no network),
 * safe to attach to a CI run. It holds counts, reader names and canary owners/kinds only, never canary
 * values or key material.
 */
import { formatHits } from '../audit/index';
import type { RunResult } from '../world/runner';
import { esc, histogram, lineChart, stackedBars } from './charts';
import { faultsTable, metricsTable, percentile, readersTable, sortedLatency, type Table } from './rows';
import { auditVerdict, runFailed } from './summary';

function table(t: Table): string {
  const cell = (c: string | number) =>
    typeof c === 'number' ? `<td class="n">${esc(String(c))}</td>` : `<td>${esc(c)}</td>`;
  return `<table><thead><tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${t.rows
    .map((r) => `<tr>${r.map(cell).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export function renderHtml(r: RunResult): string {
  const lat = sortedLatency(r);
  const failed = runFailed(r);
  const css =
    'body{font:14px system-ui,sans-serif;margin:2em;max-width:60em;color:#222}table{border-collapse:collapse;margin:.5em 0}' +
    'td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}figure{margin:1em 0}figcaption{font-weight:600}' +
    '.n{text-align:right}.ok{color:#1a7f37}.bad{color:#c62828}';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>badgewire sim: ${esc(r.scenario)}</title><style>${css}</style></head>
<body>
<h1>badgewire sim: ${esc(r.scenario)}</h1>
<p>seed ${r.seed}; ${r.badges} badges; ${r.readers} readers; ${(r.durationS / 60).toFixed(0)} simulated minutes in ${(r.wallMs / 1000).toFixed(1)} s wall clock.
Verdict: <strong class="${failed ? 'bad' : 'ok'}">${failed ? 'FAILED' : 'PASSED'}</strong></p>
<h2>Totals</h2>
${table(metricsTable(r))}
${lineChart(
  'Sightings and taps per minute',
  [
    { name: 'sightings', color: '#4a7ab7', values: r.series.map((s) => s.sightings) },
    { name: 'taps', color: '#e08a1e', values: r.series.map((s) => s.taps) },
  ],
  'minute',
)}
${stackedBars(
  'Decisions per minute',
  [
    { name: 'allow', color: '#2e9d4f', values: r.series.map((s) => s.allow) },
    { name: 'deny', color: '#c62828', values: r.series.map((s) => s.deny) },
  ],
  'minute',
)}
${histogram(`Decision latency, TAP sent to DECISION received (wall clock; p50 ${percentile(lat, 50).toFixed(2)} ms, p95 ${percentile(lat, 95).toFixed(2)} ms)`, lat, 'ms')}
<h2>Faults</h2>
${table(faultsTable(r))}
<h2>Reader health</h2>
${table(readersTable(r))}
<h2>PII audit</h2>
<p class="${r.audit?.ok === false ? 'bad' : 'ok'}">${esc(auditVerdict(r))}</p>
${
  r.audit && !r.audit.ok
    ? `<ul>${formatHits(r.audit.hits.slice(0, 200))
        .map((l) => `<li>${esc(l)}</li>`)
        .join('')}</ul>`
    : ''
}
</body></html>
`;
}
