/**
 * The output's resume point: the highest journal position whose publication the broker acknowledged
 * (and every position before it). Stored in a small file written atomically, so a crash leaves either the
 * old or the new value; a stale value only means some events are published again, which consumers drop
 * by their stable event id.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface CursorStore {
  load(): number;
  save(pos: number): void;
}

export function fileCursor(path: string): CursorStore {
  return {
    load() {
      if (!existsSync(path)) return 0;
      const v = JSON.parse(readFileSync(path, 'utf8')) as { acked?: unknown };
      return typeof v.acked === 'number' && Number.isSafeInteger(v.acked) && v.acked >= 0 ? v.acked : 0;
    },
    save(pos) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(`${path}.tmp`, JSON.stringify({ acked: pos }), { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
    },
  };
}

export function memoryCursor(start = 0): CursorStore & { value: number } {
  const c = {
    value: start,
    load: () => c.value,
    save: (pos: number) => void (c.value = pos),
  };
  return c;
}
