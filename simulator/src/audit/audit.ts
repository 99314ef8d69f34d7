/**
 * The PII audit: proof that readers never hold personal data. Feed it every place a reader's data can live
 * (runtime RAM incl. closures, Storage/flash, console output, link bytes both ways, the air) and everything the
 * host wrote to disk and to its logs; any canary found in any encoding is a named hit and fails the run.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import vm from 'node:vm';
import type { Canary } from './canary';
import { type DeviceMemory, heldValuesOf } from './realm-walk';
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

  /** A device's whole RAM: every string, byte array and name reachable from its audit roots, closures included. */
  memory(place: string, mem: DeviceMemory): Hit[] {
    return this.memories([{ place, memory: mem }]);
  }

  /** Many devices' RAM in one inspector session. Places read "<place> ram:<path>". */
  memories(devices: { place: string; memory: DeviceMemory }[]): Hit[] {
    const found: Hit[] = [];
    const held = heldValuesOf(devices.map((d) => d.memory));
    devices.forEach((d, i) => {
      for (const v of held[i] ?? []) found.push(...this.bytesAt(`${d.place} ram:${v.path}`, v.bytes));
    });
    return found;
  }

  /**
   * The RAM of a bare realm: a `vm` context (or its global object), or a plain-data object of this realm. Only
   * what is reachable from it counts; an Espruino device also names the roots its runtime keeps (`memory`).
   */
  runtime(place: string, root: object): Hit[] {
    return this.runtimes([{ place, global: root }]);
  }

  runtimes(devices: { place: string; global: object }[]): Hit[] {
    return this.memories(devices.map((d) => ({ place: d.place, memory: bareRealm(d.global) })));
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

function bareRealm(root: object): DeviceMemory {
  if (vm.isContext(root)) {
    // The contextified sandbox is an object of this realm; the walk starts at the context's own global.
    return {
      roots: [
        { path: 'global', value: vm.runInContext('globalThis', root) },
        // A fresh function of the realm: its scopes show the realm's script-level let/const.
        { path: '<script>', value: vm.runInContext('(function () {})', root) },
      ],
      objectPrototype: vm.runInContext('Object.prototype', root) as object,
    };
  }
  let p = root;
  for (let q = Object.getPrototypeOf(p); q !== null; q = Object.getPrototypeOf(p)) p = q;
  return { roots: [{ path: 'global', value: root }], objectPrototype: p };
}

/** One line per hit, precise enough to act on; never prints the canary value itself. */
export function formatHits(hits: Hit[]): string[] {
  return hits.map((h) => `${h.place} @${h.offset}: ${h.owner} ${h.kind} (${h.encoding})`);
}
