import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { attendeeCanaries, type Canary, PiiAudit, patternsFor } from '../src/audit/index';

const serial = Uint8Array.from([0xb1, 0x7e, 0x00, 0x42, 0x99, 0x10, 0x01, 0x02]);
const uid = Uint8Array.from([0x04, 0x5a, 0x11, 0xc2, 0x3d, 0x80, 0x7f]);
const canaries = attendeeCanaries(17, 'k3', serial, uid);
const email = canaries.find((c) => c.kind === 'email') as Canary;

function encodeLike(encoding: string, c: Canary): Uint8Array | undefined {
  return patternsFor(c).find((p) => p.encoding === encoding)?.bytes;
}

describe('canary encodings', () => {
  it('produces every required encoding for text and byte canaries', () => {
    const text = patternsFor(email).map((p) => p.encoding);
    for (const e of ['utf-8', 'utf-16le', 'utf-16be', 'hex', 'HEX', 'cbor-text']) expect(text).toContain(e);
    expect(text.filter((e) => e.startsWith('base64')).length).toBeGreaterThanOrEqual(3);
    const bytes = patternsFor(canaries.find((c) => c.kind === 'nfc-uid') as Canary).map((p) => p.encoding);
    for (const e of ['raw bytes', 'hex', 'HEX', 'cbor-bytes']) expect(bytes).toContain(e);
  });

  it('finds a canary written in base64 at any alignment inside a longer stream', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (pre, post) => {
        const audit = new PiiAudit(canaries);
        const blob = Buffer.concat([pre, new TextEncoder().encode(email.value as string), post]);
        const hits = audit.text('log', blob.toString('base64'));
        return hits.some((h) => h.kind === 'email' && h.encoding.startsWith('base64'));
      }),
      { numRuns: 300 },
    );
  });

  it('finds every encoding of every canary embedded in noise, and names it', () => {
    for (const c of canaries) {
      for (const p of patternsFor(c)) {
        const audit = new PiiAudit(canaries);
        const noise = Uint8Array.from({ length: 50 }, (_, i) => (i * 37 + 11) & 0x7f);
        const hay = Buffer.concat([noise, p.bytes, noise]);
        const hits = audit.bytesAt('place', hay);
        expect(
          hits.some((h) => h.kind === c.kind && h.offset <= 50 + 1),
          `${c.kind} ${p.encoding}`,
        ).toBe(true);
      }
    }
  });

  it('reports nothing on data that holds no canary', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 2000 }), (b) => {
        const audit = new PiiAudit(canaries);
        return audit.bytesAt('random', b).length === 0;
      }),
      { numRuns: 500 },
    );
  });

  it('a CBOR-framed string is reported once, as CBOR', () => {
    const audit = new PiiAudit(canaries);
    const hits = audit.bytesAt('link', encodeLike('cbor-text', email) as Uint8Array);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.encoding).toBe('cbor-text');
  });
});

describe('runtime walk (closures included)', () => {
  it('finds PII held only in a closure of a vm context, with its path', () => {
    const ctx = vm.createContext({ hook: undefined as unknown });
    vm.runInContext(
      `(function(){ var q = []; var seen = { last: null };
         q.push(${JSON.stringify(email.value)});
         var uidCopy = new Uint8Array([${Array.from(uid).join(',')}]);
         hook = function(){ return q.length + uidCopy.length + seen.last; };
       })();`,
      ctx,
    );
    const audit = new PiiAudit(canaries);
    const hits = audit.runtime('reader door-1', ctx);
    const kinds = hits.map((h) => h.kind).sort();
    expect(kinds).toEqual(['email', 'nfc-uid']);
    expect(hits.every((h) => h.place.includes('[[Scopes]]'))).toBe(true);
  });

  it('passes a context whose closures hold only ciphertext', () => {
    const ctx = vm.createContext({ hook: undefined as unknown });
    vm.runInContext(
      `(function(){ var eph = new Uint8Array(16); for (var i=0;i<16;i++) eph[i]=(i*73)&255;
         hook = function(){ return eph; }; })();`,
      ctx,
    );
    const audit = new PiiAudit(canaries);
    expect(audit.runtime('reader booth-1', ctx)).toEqual([]);
    expect(audit.result().ok).toBe(true);
  });
});

describe('directory scan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-audit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the file, offset, owner, kind and encoding of a leak', () => {
    writeFileSync(join(dir, 'clean.log'), '{"level":30,"msg":"tap accepted","reader":"door-1"}\n');
    writeFileSync(
      join(dir, 'leaky.log'),
      `{"msg":"x","uid":"${Buffer.from(uid).toString('hex').toUpperCase()}"}\n`,
    );
    const audit = new PiiAudit(canaries);
    audit.directory('host', dir);
    const r = audit.result();
    expect(r.ok).toBe(false);
    expect(r.hits).toEqual([
      {
        place: 'host file:leaky.log',
        offset: '{"msg":"x","uid":"'.length,
        owner: 'attendee 17',
        kind: 'nfc-uid',
        encoding: 'HEX',
      },
    ]);
  });
});
