/**
 * The reader bundle's property mangling (bundle.ts keptProps): internal names are shortened, while every name
 * Espruino or another tool reads keeps its spelling. The bundle-level tests prove the mangled bundle runs.
 */
import { describe, expect, it } from 'vitest';
import { buildFirmware, keptProps } from '../build/bundle';

describe('reader property mangling', () => {
  it('keeps built-in, Espruino and persisted-JSON names, and shortens the firmware own ones', async () => {
    const kept = keptProps();
    for (const k of ['subarray', 'length', 'setScan', 'readJSON', 'writeJSON', 'manufacturerData', 'bitrate'])
      expect(kept.test(k)).toBe(true);
    for (const k of ['id', 'key', 'relay', 'cid', 'dd', 'lost']) expect(kept.test(k)).toBe(true);
    for (const k of ['lastAck', 'chalIds', 'zeroDue', 'respMs']) expect(kept.test(k)).toBe(false);
    const r = await buildFirmware('puckjs', 'reader', { write: false });
    expect(r.ok).toBe(true);
    expect(r.code).toContain('.setScan(');
    expect(r.code).toContain('.readJSON(');
    expect(r.code).not.toMatch(/\.(lastAck|chalIds|respMs)\b/);
  });
});
