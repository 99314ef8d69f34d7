/**
 * The PII audit: proof that readers never hold personal data. Feed it every place a reader's data can live
 * (runtime RAM incl. closures, Storage/flash, console output, link bytes both ways, the air) and everything the
 * host wrote to disk and to its logs; any canary found in any encoding is a named hit and fails the run.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Canary } from './canary';
import { heldValuesOf } from './heap-walk';
import { CanaryIndex, type Hit } from './scanner';

export interface AuditResult {
  ok: boolean;
  hits: Hit[];
  places: number;
  bytesScanned: number;
  patterns: number;
}

export class PiiAudit {
  private readonly index: CanaryIndex;
  private readonly hits: Hit[] = [];
  private places = 0;
  private bytes = 0;

  constructor(canaries: Canary[]) {
    this.index = new CanaryIndex(canaries);
  }

  bytesAt(place: string, data: Uint8Array): Hit[] {
    this.places++;
    this.bytes += data.length;
    const h = this.index.scanBytes(place, data);
    this.hits.push(...h);
    return h;
  }

  text(place: string, text: string): Hit[] {
    return this.bytesAt(place, new TextEncoder().encode(text));
  }

  /** A reader's whole runtime state: every string and byte array reachable from its globals and closures. */
  runtime(place: string, contextGlobal: object): Hit[] {
    return this.runtimes([{ place, global: contextGlobal }]);
  }

  /** Many readers' runtime state in one heap walk. */
  runtimes(devices: { place: string; global: object }[]): Hit[] {
    const found: Hit[] = [];
    const held = heldValuesOf(devices.map((d) => ({ name: 'global', global: d.global })));
    devices.forEach((d, i) => {
      for (const v of held[i] ?? []) found.push(...this.bytesAt(`${d.place} ram:${v.path}`, v.bytes));
    });
    return found;
  }

  /** Every file below `dir` (journal, WAL/SHM, key store, backups, logs). */
  directory(place: string, dir: string): Hit[] {
    const found: Hit[] = [];
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else if (st.isFile())
          found.push(...this.bytesAt(`${place} file:${relative(dir, p)}`, readFileSync(p)));
      }
    };
    walk(dir);
    return found;
  }

  result(): AuditResult {
    return {
      ok: this.hits.length === 0,
      hits: [...this.hits],
      places: this.places,
      bytesScanned: this.bytes,
      patterns: this.index.patternCount,
    };
  }
}

/** One line per hit, precise enough to act on; never prints the canary value itself. */
export function formatHits(hits: Hit[]): string[] {
  return hits.map((h) => `${h.place} @${h.offset}: ${h.owner} ${h.kind} (${h.encoding})`);
}
