/** Inline SVG charts for the offline report: no scripts, no fonts, no external assets. */

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Series {
  name: string;
  color: string;
  values: number[];
}

const W = 640;
const H = 220;
const PAD = 40;

function axis(maxY: number, n: number, xLabel: string): string {
  const ticks = [0, 0.5, 1]
    .map((f) => {
      const y = H - PAD - f * (H - 2 * PAD);
      return `<line x1="${PAD}" x2="${W - 10}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${PAD - 4}" y="${y + 4}" text-anchor="end" font-size="10">${Math.round(f * maxY)}</text>`;
    })
    .join('');
  return `${ticks}<text x="${W / 2}" y="${H - 6}" text-anchor="middle" font-size="11">${esc(xLabel)} (0 … ${n})</text>`;
}

function legend(series: Series[]): string {
  return series
    .map(
      (s, i) =>
        `<rect x="${PAD + i * 120}" y="6" width="10" height="10" fill="${s.color}"/><text x="${PAD + 14 + i * 120}" y="15" font-size="11">${esc(s.name)}</text>`,
    )
    .join('');
}

/** One polyline per series over a shared x axis (index). */
export function lineChart(title: string, series: Series[], xLabel: string): string {
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const maxY = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (i: number) => PAD + (i / Math.max(1, n - 1)) * (W - PAD - 10);
  const y = (v: number) => H - PAD - (v / maxY) * (H - 2 * PAD);
  const lines = series
    .map(
      (s) =>
        `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`,
    )
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img">${axis(maxY, n, xLabel)}${lines}${legend(series)}</svg></figure>`;
}

/** Stacked bars per index. */
export function stackedBars(title: string, series: Series[], xLabel: string): string {
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const totals = Array.from({ length: n }, (_, i) => series.reduce((a, s) => a + (s.values[i] ?? 0), 0));
  const maxY = Math.max(1, ...totals);
  const bw = (W - PAD - 10) / n;
  let bars = '';
  for (let i = 0; i < n; i++) {
    let base = H - PAD;
    for (const s of series) {
      const h = ((s.values[i] ?? 0) / maxY) * (H - 2 * PAD);
      if (h > 0)
        bars += `<rect x="${(PAD + i * bw).toFixed(1)}" y="${(base - h).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"/>`;
      base -= h;
    }
  }
  return `<figure><figcaption>${esc(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img">${axis(maxY, n, xLabel)}${bars}${legend(series)}</svg></figure>`;
}

/** Histogram of samples in log2 buckets (≤0.25 ms, ≤0.5, ≤1, ...). */
export function histogram(title: string, samples: number[], unit: string): string {
  const edges: number[] = [];
  for (let e = 0.25; e <= 4096; e *= 2) edges.push(e);
  const counts = edges.map(() => 0);
  for (const v of samples) {
    const i = edges.findIndex((e) => v <= e);
    const k = i < 0 ? edges.length - 1 : i;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  const last = Math.max(0, ...counts.map((c, i) => (c > 0 ? i : 0)));
  const shown = counts.slice(0, last + 1);
  const maxY = Math.max(1, ...shown);
  const bw = (W - PAD - 10) / Math.max(1, shown.length);
  const bars = shown
    .map((c, i) => {
      const h = (c / maxY) * (H - 2 * PAD);
      return `<rect x="${(PAD + i * bw).toFixed(1)}" y="${(H - PAD - h).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#4a7ab7"/><text x="${(PAD + i * bw + bw / 2).toFixed(1)}" y="${H - PAD + 12}" text-anchor="middle" font-size="9">≤${edges[i]}</text>`;
    })
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img">${axis(maxY, shown.length, `bucket upper bound, ${unit}`)}${bars}</svg></figure>`;
}
