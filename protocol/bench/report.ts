/**
 * Shared benchmark reporting: every figure is printed with its baseline from the same run and the ratio,
 * plus the target it is held to. Benchmarks report; they never fail the test suite.
 */
export interface Row {
  name: string;
  value: number;
  unit: string;
  /** What the same work costs done the naive way, measured in the same run. */
  baseline?: { name: string; value: number };
  /** e.g. '>= 2000000' or '<= 20' */
  target?: string;
}

export function timeIt(fn: () => void, minMs: number): { ops: number; ms: number } {
  let ops = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    fn();
    ops++;
    t = performance.now();
  }
  return { ops, ms: t - t0 };
}

/**
 * Process CPU time (user + system, all threads, so GC is included) in ms. The 2-core machine is shared with
 * other jobs; wall time would charge us for time we were descheduled, CPU time is what one core spends.
 */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** timeIt on CPU time, in batches of `batch` calls (reading the CPU clock is a system call), for at least minMs. */
export function cpuTimeIt(fn: () => void, minMs: number, batch = 256): { ops: number; ms: number } {
  let ops = 0;
  const t0 = cpuMs();
  let t = t0;
  while (t - t0 < minMs) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    t = cpuMs();
  }
  return { ops: ops, ms: t - t0 };
}

function fmt(v: number): string {
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3);
}

function meets(value: number, target?: string): string {
  if (!target) return '';
  const m = /^(>=|<=)\s*([\d.]+)/.exec(target);
  if (!m) return '';
  const t = Number(m[2]);
  return (m[1] === '>=' ? value >= t : value <= t) ? 'met' : 'MISSED';
}

export function report(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  console.log('| figure | value | unit | baseline | ratio | target | |');
  console.log('|---|---:|---|---|---:|---|---|');
  for (const r of rows) {
    const base = r.baseline ? `${r.baseline.name}: ${fmt(r.baseline.value)}` : '';
    const ratio = r.baseline && r.baseline.value > 0 ? `${(r.value / r.baseline.value).toFixed(1)}x` : '';
    console.log(
      `| ${r.name} | ${fmt(r.value)} | ${r.unit} | ${base} | ${ratio} | ${r.target ?? ''} | ${meets(r.value, r.target)} |`,
    );
  }
}
