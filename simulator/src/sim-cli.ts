/**
 * `badgewire sim` (run a venue scenario in virtual time, print the summary, write the offline HTML report,
 * fail on any PII audit hit, lost event or undetected fault) and `badgewire audit` (scan a directory or a
 * capture file for canary PII).
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex } from '@badgewire/protocol';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { type Canary, type CanaryKind, formatHits, PiiAudit } from './audit/index';
import { renderHtml } from './report/html';
import { formatSummary, runFailed, summaryJson } from './report/summary';
import { runScenario } from './world/runner';
import { loadScenario } from './world/scenario';

export const DEFAULT_SCENARIO = fileURLToPath(new URL('../scenarios/default.json', import.meta.url));

/** "1h", "30m", "90s", "1.5h" or plain seconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(h|m|s)?$/.exec(s.trim());
  if (!m) throw new Error(`bad duration "${s}": use e.g. 1h, 30m, 90s [E_CLI_DURATION]`);
  const v = Number(m[1]);
  return Math.round(m[2] === 'h' ? v * 3600 : m[2] === 'm' ? v * 60 : v);
}

/** Canaries as a JSON file: [{owner, kind, text} | {owner, kind, hex}]. */
export function readCanaries(file: string): Canary[] {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as {
    owner: string;
    kind: CanaryKind;
    text?: string;
    hex?: string;
  }[];
  if (!Array.isArray(raw)) throw new Error(`${file}: expected an array of canaries [E_CLI_CANARIES]`);
  return raw.map((c, i) => {
    if (
      typeof c.owner !== 'string' ||
      typeof c.kind !== 'string' ||
      (c.text === undefined) === (c.hex === undefined)
    )
      throw new Error(`${file}[${i}]: needs owner, kind and one of text/hex [E_CLI_CANARIES]`);
    return { owner: c.owner, kind: c.kind, value: c.text ?? fromHex(c.hex as string) };
  });
}

export function canariesJson(cs: Canary[]): string {
  return JSON.stringify(
    cs.map((c) =>
      typeof c.value === 'string'
        ? { owner: c.owner, kind: c.kind, text: c.value }
        : { owner: c.owner, kind: c.kind, hex: Buffer.from(c.value).toString('hex') },
    ),
  );
}

interface SimOpts {
  badges?: string;
  duration?: string;
  seed?: string;
  report: string;
  json?: boolean;
  progress: boolean;
  exportCanaries?: string;
}

export function registerSimCommands(program: Command): void {
  program
    .command('sim')
    .description(
      'run a venue scenario in virtual time with the real protocol and host pieces, then audit for PII',
    )
    .argument('[scenario]', 'scenario JSON file', DEFAULT_SCENARIO)
    .option('--badges <n>', 'attendees/badges (overrides the scenario)')
    .option('--duration <d>', 'simulated duration, e.g. 1h, 30m (overrides the scenario)')
    .option('--seed <s>', 'PRNG seed (overrides the scenario); the same seed replays the same run')
    .option('--report <dir>', 'where to write report.html and summary.json', 'reports/sim')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--no-progress', 'no progress bar')
    .option('--export-canaries <file>', 'also write the run’s canaries (for `badgewire audit`)')
    .action(async (file: string, o: SimOpts) => {
      const sc = loadScenario(file);
      const durationS = o.duration ? parseDuration(o.duration) : sc.durationS;
      const bar = new cliProgress.SingleBar(
        {
          format: 'sim [{bar}] {percentage}% | {value}/{total} simulated s',
          noTTYOutput: true,
          notTTYSchedule: 5000,
          stream: process.stderr,
        },
        cliProgress.Presets.legacy,
      );
      if (o.progress) bar.start(durationS, 0);
      const r = await runScenario(sc, {
        badges: o.badges ? Number(o.badges) : undefined,
        durationS,
        seed: o.seed ? Number(o.seed) : undefined,
        onProgress: (done) => o.progress && bar.update(Math.min(durationS, Math.round(done))),
        onCanaries: o.exportCanaries
          ? (cs) => writeFileSync(o.exportCanaries as string, canariesJson(cs))
          : undefined,
      });
      if (o.progress) bar.stop();
      const dir = resolve(o.report);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'report.html'), renderHtml(r));
      writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summaryJson(r), null, 2)}\n`);
      if (o.json) console.log(JSON.stringify(summaryJson(r)));
      else {
        console.log(formatSummary(r));
        console.log(`\nreport: ${join(dir, 'report.html')}`);
      }
      if (runFailed(r)) process.exitCode = 1;
    });

  program
    .command('audit')
    .description('scan a directory or a capture file for canary PII in every encoding')
    .argument('<path>', 'directory (walked recursively) or file')
    .requiredOption('--canaries <file>', 'canaries JSON: [{owner, kind, text|hex}]')
    .action((path: string, o: { canaries: string }) => {
      const audit = new PiiAudit(readCanaries(o.canaries));
      if (statSync(path).isDirectory()) audit.directory(path, path);
      else audit.bytesAt(path, readFileSync(path));
      const r = audit.result();
      for (const l of formatHits(r.hits)) console.log(l);
      console.log(
        r.ok
          ? `AUDIT PASS: no canary PII (${r.places} files, ${r.bytesScanned} bytes)`
          : `AUDIT FAIL: ${r.hits.length} hits`,
      );
      if (!r.ok) process.exitCode = 1;
    });
}
