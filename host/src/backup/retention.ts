/**
 * Grandfather-father-son retention: keep the newest snapshot of each of the last N hours, days, ISO weeks
 * and months that have snapshots (restic's `--keep-hourly/daily/weekly/monthly` semantics), plus always the
 * newest one. All buckets are UTC so the plan does not move with the host's time zone. Pure: times come in.
 */

export interface RetentionPolicy {
  hourly: number;
  daily: number;
  weekly: number;
  monthly: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { hourly: 24, daily: 7, weekly: 4, monthly: 12 };

export interface Snapshot {
  name: string;
  /** Creation time, ms since the epoch. */
  at: number;
}

/** ISO 8601 week-numbering year and week of a UTC date, e.g. "2026-W48". */
export function isoWeek(ms: number): string {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3);
  const year = new Date(thursday).getUTCFullYear();
  // The week's Thursday decides its year; its day-of-year then gives the week number.
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

const RULES: [keyof RetentionPolicy, (ms: number) => string][] = [
  ['hourly', (ms) => new Date(ms).toISOString().slice(0, 13)],
  ['daily', (ms) => new Date(ms).toISOString().slice(0, 10)],
  ['weekly', isoWeek],
  ['monthly', (ms) => new Date(ms).toISOString().slice(0, 7)],
];

/** Which snapshots to keep and which to delete, with the rules that kept each one. */
export function planRetention(
  snaps: Snapshot[],
  policy: RetentionPolicy,
): { keep: Map<string, string[]>; drop: string[] } {
  const sorted = [...snaps].sort((a, b) => b.at - a.at || (a.name < b.name ? 1 : -1));
  const keep = new Map<string, string[]>();
  const why = (name: string, rule: string) => keep.set(name, [...(keep.get(name) ?? []), rule]);
  if (sorted[0]) why(sorted[0].name, 'latest');
  for (const [rule, bucketOf] of RULES) {
    let left = Math.max(0, Math.floor(policy[rule]));
    let lastBucket: string | null = null;
    for (const s of sorted) {
      if (left === 0) break;
      const b = bucketOf(s.at);
      if (b === lastBucket) continue;
      lastBucket = b;
      why(s.name, rule);
      left--;
    }
  }
  return { keep, drop: sorted.filter((s) => !keep.has(s.name)).map((s) => s.name) };
}
