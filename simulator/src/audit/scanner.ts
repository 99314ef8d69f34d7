/**
 * Multi-pattern search for canaries: an index on each pattern's first MIN_PATTERN bytes, one lookup per haystack
 * position, then a full compare. Linear in the haystack for the pattern counts a venue has (~50 patterns per
 * attendee), where one indexOf per pattern would be quadratic in practice.
 */
import type { Canary } from './canary';
import { MIN_PATTERN, type Pattern, patternsFor } from './encodings';

export interface Hit {
  /** Where: "reader door-1 / storage:.bootcde", "link door-1 reader->host", "host file journal.db", ... */
  place: string;
  offset: number;
  owner: string;
  kind: Canary['kind'];
  encoding: string;
}

function key(b: Uint8Array, at: number): string {
  let s = '';
  for (let i = 0; i < MIN_PATTERN; i++) s += String.fromCharCode(b[at + i] as number);
  return s;
}

export class CanaryIndex {
  private readonly byPrefix = new Map<string, Pattern[]>();
  readonly patternCount: number;

  constructor(canaries: Canary[]) {
    let n = 0;
    for (const c of canaries) {
      for (const p of patternsFor(c)) {
        const k = key(p.bytes, 0);
        const list = this.byPrefix.get(k);
        if (list) list.push(p);
        else this.byPrefix.set(k, [p]);
        n++;
      }
    }
    this.patternCount = n;
  }

  scanBytes(place: string, hay: Uint8Array): Hit[] {
    const found: { start: number; end: number; p: Pattern }[] = [];
    const last = hay.length - MIN_PATTERN;
    for (let i = 0; i <= last; i++) {
      const list = this.byPrefix.get(key(hay, i));
      if (!list) continue;
      for (const p of list) {
        if (i + p.bytes.length > hay.length) continue;
        let j = MIN_PATTERN;
        while (j < p.bytes.length && hay[i + j] === p.bytes[j]) j++;
        if (j === p.bytes.length) found.push({ start: i, end: i + p.bytes.length, p });
      }
    }
    // One finding per place in the data: a CBOR-framed string also contains its UTF-8; keep the widest match.
    const kept = found.filter(
      (a) =>
        !found.some(
          (b) =>
            b !== a &&
            b.p.canary === a.p.canary &&
            b.start <= a.start &&
            b.end >= a.end &&
            b.end - b.start > a.end - a.start,
        ),
    );
    return kept.map((f) => ({
      place,
      offset: f.start,
      owner: f.p.canary.owner,
      kind: f.p.canary.kind,
      encoding: f.p.encoding,
    }));
  }

  scanText(place: string, text: string): Hit[] {
    return this.scanBytes(place, new TextEncoder().encode(text));
  }
}
