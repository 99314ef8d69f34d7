/**
 * protocol/vectors/*.json are generated (npm run vectors -w @badgewire/protocol) and checked in. This test
 * recomputes each one with the current code: any wire change shows up as a failing diff here, to be
 * regenerated deliberately and reviewed as a change to the published vectors.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildVectors } from '../scripts/vectors-build';
import { fromHex, toHex } from '../src/bytes';
import { decodeCbor } from '../src/cbor/mini';
import { decodeFrame } from '../src/frame/frame';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors');
const built = buildVectors();

describe('generated vectors (protocol/vectors)', () => {
  it('has exactly the files the generator builds', () => {
    const mine = Object.keys(built).sort();
    const onDisk = readdirSync(dir).filter((f) => f.endsWith('.json') && mine.includes(f));
    expect(onDisk.sort()).toEqual(mine);
  });
  for (const [file, v] of Object.entries(built)) {
    it(`${file} matches the current code`, () => {
      const disk = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      expect(JSON.parse(JSON.stringify(v))).toEqual(disk);
    });
  }
  it('the checked-in frames and messages decode, read straight from disk', () => {
    const frames = JSON.parse(readFileSync(join(dir, 'frames.json'), 'utf8'));
    for (const f of frames.frames) {
      const r = decodeFrame(fromHex(f.framed));
      expect(r.ok && toHex(r.value)).toBe(f.payload);
    }
    const msgs = JSON.parse(readFileSync(join(dir, 'messages.json'), 'utf8'));
    for (const m of msgs.messages) expect(decodeCbor(fromHex(m.cbor)).ok).toBe(true);
    const session = JSON.parse(readFileSync(join(dir, 'link-session.json'), 'utf8'));
    expect(session.packets.map((p: { packet: string }) => p.packet).slice(0, 3)).toEqual([
      'HELLO',
      'AUTH',
      'CONFIRM',
    ]);
    for (const p of session.packets) {
      const r = decodeFrame(fromHex(p.framed));
      expect(r.ok && toHex(r.value)).toBe(p.bytes);
    }
  });
  it('the badge frames agree with the worked example of spec part 10 (§10.9)', () => {
    const spec = readFileSync(join(dir, '..', 'spec', '10-keys-and-badges.md'), 'utf8');
    const badge = JSON.parse(readFileSync(join(dir, 'badge-frames.json'), 'utf8'));
    expect(spec).toContain(badge.keys.k_id);
    expect(spec).toContain(badge.advertisement.bytes);
    for (const t of badge.taps) expect(spec).toContain(t.frame);
  });
});
