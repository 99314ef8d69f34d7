import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type AuditInput, canonicalJson, GENESIS, openAuditTrail, verifyAuditLines } from '../src/api/audit';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function trail(n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bw-audit-'));
  dirs.push(dir);
  const path = join(dir, 'acme.jsonl');
  let t = 1_700_000_000_000;
  const a = openAuditTrail(path, () => (t += 1000));
  for (let i = 0; i < n; i++) {
    const input: AuditInput = {
      actor: { iss: 'acme-crm', sub: 'ops' },
      action: i % 2 ? 'badge.revoke' : 'entitlement.set',
      target: `ref:${i}`,
      detail: { n: i, doors: ['main'] },
    };
    a.append(input);
  }
  const lines = () => readFileSync(path, 'utf8').trimEnd().split('\n');
  const write = (ls: string[]) => writeFileSync(path, `${ls.join('\n')}\n`);
  return { a, path, lines, write };
}

describe('audit trail hash chain', () => {
  it('verifies an untouched trail and reports its head', () => {
    const { a } = trail(5);
    const v = a.verify();
    expect(v).toEqual({ ok: true, count: 5, head: a.head() });
    expect(a.list(0, 10)[0]!.prev).toBe(GENESIS);
    expect(a.list(3, 10).map((e) => e.seq)).toEqual([4, 5]);
  });

  it('detects an edited entry (field changed, hash left alone)', () => {
    const { a, lines, write } = trail(5);
    const ls = lines();
    const e = JSON.parse(ls[2]!);
    e.detail.doors = ['vip'];
    ls[2] = JSON.stringify(e);
    write(ls);
    expect(a.verify()).toEqual({ ok: false, index: 2, reason: 'hash_mismatch' });
  });

  it('detects an edited entry whose own hash was recomputed (the next link breaks)', () => {
    const { a, lines, write } = trail(5);
    const ls = lines();
    const e = JSON.parse(ls[1]!);
    e.action = 'entitlement.set';
    e.target = 'ref:forged';
    const body = canonicalJson({
      seq: e.seq,
      at: e.at,
      actor: e.actor,
      action: e.action,
      target: e.target,
      detail: e.detail,
    });
    e.hash = createHash('sha256').update(e.prev).update('\n').update(body).digest('hex');
    ls[1] = JSON.stringify(e);
    write(ls);
    expect(a.verify()).toEqual({ ok: false, index: 2, reason: 'chain_broken' });
  });

  it('detects a deleted entry', () => {
    const { a, lines, write } = trail(5);
    const ls = lines();
    ls.splice(2, 1);
    write(ls);
    expect(a.verify()).toMatchObject({ ok: false, index: 2 });
  });

  it('detects reordered entries', () => {
    const { a, lines, write } = trail(5);
    const ls = lines();
    [ls[1], ls[3]] = [ls[3]!, ls[1]!];
    write(ls);
    expect(a.verify()).toMatchObject({ ok: false, index: 1 });
  });

  it('detects tail truncation against a head saved earlier', () => {
    const { a, lines, write } = trail(5);
    const head = a.head();
    write(lines().slice(0, 3));
    expect(a.verify()).toMatchObject({ ok: true, count: 3 });
    expect(a.verify(head)).toEqual({ ok: false, index: 3, reason: 'truncated' });
  });

  it('continues the chain across a reopen', () => {
    const { a, path } = trail(3);
    const b = openAuditTrail(path, () => 1);
    b.append({ actor: { iss: 'x', sub: 'y' }, action: 'badge.revoke', target: 'ref:z', detail: {} });
    expect(b.verify()).toMatchObject({ ok: true, count: 4 });
    expect(a.verify()).toMatchObject({ ok: true, count: 4 });
  });

  it('flags any single-byte change anywhere in the file (property)', () => {
    const { lines } = trail(6);
    const original = lines();
    const text = original.join('\n');
    fc.assert(
      fc.property(fc.nat(text.length - 1), fc.integer({ min: 1, max: 255 }), (at, delta) => {
        const code = (text.charCodeAt(at) + delta) % 128;
        fc.pre(code >= 32 && code !== text.charCodeAt(at));
        const mutated = text.slice(0, at) + String.fromCharCode(code) + text.slice(at + 1);
        const ls = mutated.split('\n');
        // JSON whitespace outside strings does not change the parsed entry; those bytes are not content.
        const same = ls.every((l, i) => {
          try {
            return canonicalJson(JSON.parse(l)) === canonicalJson(JSON.parse(original[i]!));
          } catch {
            return false;
          }
        });
        fc.pre(!same);
        expect(verifyAuditLines(ls).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
