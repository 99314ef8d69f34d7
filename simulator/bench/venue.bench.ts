/**
 * Venue throughput: simulated event-hours per wall-clock minute for 50 000 badges and 200 readers on the
 * in-memory link (target: a 1-hour event in <= 60 s, i.e. >= 1 event-hour per minute), with CPU time (the
 * machine is shared) and the RSS high-water mark. Baseline, same run: the same venue with 1/10 of the badges.
 * Link capture and the PII audit are off here: they are proven by the tests, not timed.
 */
import { report } from '../../protocol/bench/report';
import { runScenario } from '../src/world/runner';
import { parseScenario, type Scenario } from '../src/world/scenario';

const BADGES = Number(process.env.BW_BENCH_BADGES ?? 50_000);
const DURATION_S = Number(process.env.BW_BENCH_DURATION ?? 3600);

/** 4 doors, 150 booths, 46 session rooms: 200 readers on a 1 km x 300 m floor. */
export function bigVenue(badges: number): Scenario {
  const places: unknown[] = [
    { id: 'entrance', kind: 'entrance', x: 0, y: 0, w: 60, h: 10 },
    { id: 'hall', kind: 'hall', x: 0, y: 10, w: 1000, h: 300 },
  ];
  const readers: unknown[] = [];
  for (let i = 0; i < 4; i++)
    readers.push({ id: `door-${i}`, place: 'entrance', role: 'door', zone: 'hall', x: 5 + 15 * i, y: 1 });
  for (let i = 0; i < 150; i++) {
    const id = `booth-${i}`;
    places.push({ id, kind: 'booth', x: 20 + (i % 30) * 32, y: 20 + Math.floor(i / 30) * 30, w: 6, h: 6 });
    readers.push({ id, place: id, role: 'booth', exhibitor: `ex-${i}` });
  }
  for (let i = 0; i < 46; i++) {
    const id = `room-${i}`;
    places.push({ id, kind: 'room', x: 20 * (i % 23) * 2, y: 200 + Math.floor(i / 23) * 50, w: 30, h: 25 });
    readers.push({ id, place: id, role: 'room', board: 'esp32' });
  }
  return parseScenario({
    name: 'bench-venue',
    seed: 1,
    tenant: 'bench',
    durationS: DURATION_S,
    badges,
    places,
    readers,
    stepS: 10,
    // Readers report each rotating ID once per 256 s slot (their de-dup window), the presence granularity.
    air: { dedupMs: 256_000 },
    dwellS: 600,
    arrivals: [
      [0, 0],
      [0.3, 0.8],
      [0.6, 1],
      [1, 1],
    ],
  });
}

const mib = (b: number) => Math.round(b / 2 ** 20);

async function measure(badges: number) {
  const sc = bigVenue(badges);
  let peak = process.memoryUsage().rss;
  // Where the RSS high-water sits (JS heap vs buffers outside it), to tell what a bound would have to cut.
  let atPeak = process.memoryUsage();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runScenario(sc, {
    capture: false,
    audit: false,
    linkChunk: 1 << 16,
    onProgress: () => {
      const m = process.memoryUsage();
      if (m.rss > peak) {
        peak = m.rss;
        atPeak = m;
      }
    },
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  peak = Math.max(peak, process.memoryUsage().rss);
  const hours = sc.durationS / 3600;
  return {
    r,
    perWallMin: hours / (wallMs / 60_000),
    perCpuMin: hours / ((cpu.user + cpu.system) / 1e3 / 60_000),
    wallS: wallMs / 1000,
    cpuS: (cpu.user + cpu.system) / 1e6,
    peakMb: peak / 2 ** 20,
    atPeak,
  };
}

const base = await measure(Math.max(1, Math.round(BADGES / 10)));
const full = await measure(BADGES);
for (const m of [base, full])
  console.log(
    `${m.r.badges} badges, ${m.r.readers} readers: ${m.r.totals.sightings} sightings, ${m.r.totals.taps} taps, ` +
      `${m.r.totals.journaled} journaled, lost ${m.r.totals.lost}, ${m.wallS.toFixed(1)} s wall, ${m.cpuS.toFixed(1)} s CPU; ` +
      `at the RSS peak: heap ${mib(m.atPeak.heapUsed)}/${mib(m.atPeak.heapTotal)} MiB used/total, ` +
      `external ${mib(m.atPeak.external)} MiB (array buffers ${mib(m.atPeak.arrayBuffers)} MiB)`,
  );
report(`venue simulation (${BADGES} badges, 200 readers, ${DURATION_S} s, in-memory links)`, [
  {
    name: 'event-hours per wall-clock minute',
    value: full.perWallMin,
    unit: 'h/min',
    baseline: { name: `${base.r.badges} badges`, value: base.perWallMin },
    target: '>= 1',
  },
  {
    name: 'event-hours per CPU minute',
    value: full.perCpuMin,
    unit: 'h/min',
    baseline: { name: `${base.r.badges} badges`, value: base.perCpuMin },
  },
  {
    name: 'wall clock for the run',
    value: full.wallS,
    unit: 's',
    baseline: { name: `${base.r.badges} badges`, value: base.wallS },
    target: `<= ${Math.round(60 * (DURATION_S / 3600))}`,
  },
  {
    // Sightings + taps through reader, link, host and durable journal per CPU-second: comparable across loads.
    name: 'reader events per CPU-second',
    value: (full.r.totals.sightings + full.r.totals.taps) / full.cpuS,
    unit: 'events/s',
    baseline: {
      name: `${base.r.badges} badges`,
      value: (base.r.totals.sightings + base.r.totals.taps) / base.cpuS,
    },
  },
  {
    name: 'RSS high-water',
    value: full.peakMb,
    unit: 'MiB',
    baseline: { name: `${base.r.badges} badges`, value: base.peakMb },
  },
]);
