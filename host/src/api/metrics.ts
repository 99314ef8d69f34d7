/**
 * A small Prometheus text-format (version 0.0.4) registry: counters and gauges with labels. Label values
 * are bounded by the callers (route names, error codes, outcome), never tenant data or identifiers.
 */

type Labels = Record<string, string>;

interface Series {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
}

export interface Counter {
  inc(labels?: Labels, by?: number): void;
  get(labels?: Labels): number;
}

export interface Gauge extends Counter {
  set(value: number, labels?: Labels): void;
  dec(labels?: Labels, by?: number): void;
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function keyOf(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k]!)}"`)
    .join(',');
}

export class MetricsRegistry {
  private readonly series = new Map<string, Series>();

  counter(name: string, help: string): Counter {
    const s = this.define(name, help, 'counter');
    return {
      inc: (labels = {}, by = 1) => {
        if (by < 0) throw new Error(`counter ${name} cannot decrease`);
        this.add(s, labels, by);
      },
      get: (labels = {}) => s.values.get(keyOf(labels))?.value ?? 0,
    };
  }

  gauge(name: string, help: string): Gauge {
    const s = this.define(name, help, 'gauge');
    return {
      inc: (labels = {}, by = 1) => this.add(s, labels, by),
      dec: (labels = {}, by = 1) => this.add(s, labels, -by),
      set: (value, labels = {}) => void s.values.set(keyOf(labels), { labels, value }),
      get: (labels = {}) => s.values.get(keyOf(labels))?.value ?? 0,
    };
  }

  /** The exposition text served at /metrics. */
  render(): string {
    const out: string[] = [];
    for (const s of this.series.values()) {
      out.push(`# HELP ${s.name} ${s.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
      out.push(`# TYPE ${s.name} ${s.type}`);
      if (s.values.size === 0 && s.type === 'counter') out.push(`${s.name} 0`);
      for (const [k, v] of s.values) out.push(`${s.name}${k ? `{${k}}` : ''} ${v.value}`);
    }
    return `${out.join('\n')}\n`;
  }

  private define(name: string, help: string, type: Series['type']): Series {
    if (!NAME_RE.test(name)) throw new Error(`invalid metric name ${name}`);
    const existing = this.series.get(name);
    if (existing) return existing;
    const s: Series = { name, help, type, values: new Map() };
    this.series.set(name, s);
    return s;
  }

  private add(s: Series, labels: Labels, by: number): void {
    const k = keyOf(labels);
    const cur = s.values.get(k);
    if (cur) cur.value += by;
    else s.values.set(k, { labels, value: by });
  }
}
