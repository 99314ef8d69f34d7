import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyAuditLines } from '../src/api/audit';
import { memoryActivityStore } from '../src/api/clients';
import { ApiError } from '../src/api/errors';
import { createTokenVerifier } from '../src/api/jwt';
import { parseEntitlement, parseRevocation, pseudonym } from '../src/api/validate';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100000);
const accepted = { entitlement: 0, revocation: 0 };

/** A decoder either returns a value or throws a typed ApiError: never a TypeError or anything else. */
function typedOnly(fn: () => unknown): 'ok' | 'refused' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    // plain checks: expect() per run would dominate 100 000 runs
    if (!(e instanceof ApiError) || e.status !== 422) throw new Error(`untyped refusal: ${String(e)}`);
    return 'refused';
  }
}

const nearValid = fc.record(
  {
    badgeRef: fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9_-]{8,20}$/), fc.integer()),
    doors: fc.oneof(
      fc.array(fc.oneof(fc.string(), fc.stringMatching(/^[a-z]{1,8}$/), fc.integer()), { maxLength: 4 }),
      fc.string(),
    ),
    validFrom: fc.oneof(fc.integer({ min: -5, max: 2e12 }), fc.double(), fc.string()),
    validUntil: fc.oneof(fc.integer({ min: -5, max: 2e12 }), fc.double(), fc.constant(undefined)),
    reason: fc.oneof(fc.constantFrom('lost', 'stolen', 'expired', 'other'), fc.string()),
    email: fc.string(),
  },
  { requiredKeys: [] },
);
const anyBody = fc.oneof(fc.jsonValue({ maxDepth: 2 }), nearValid);

describe('administrative body decoders (fuzz)', () => {
  it('parseEntitlement accepts only well-formed bodies and refuses the rest with a typed error', () => {
    fc.assert(
      fc.property(anyBody, (body) => {
        if (typedOnly(() => parseEntitlement(body)) === 'ok') {
          const e = parseEntitlement(body);
          expect(e.badgeRef).toMatch(/^[A-Za-z0-9_-]{8,128}$/);
          expect(e.validUntil).toBeGreaterThan(e.validFrom);
          expect(Object.keys(body as object).sort()).toEqual([
            'badgeRef',
            'doors',
            'validFrom',
            'validUntil',
          ]);
          accepted.entitlement++;
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('parseRevocation accepts only well-formed bodies and refuses the rest with a typed error', () => {
    fc.assert(
      fc.property(anyBody, (body) => {
        if (typedOnly(() => parseRevocation(body, 5)) === 'ok') {
          const r = parseRevocation(body, 5);
          expect(['lost', 'stolen', 'expired', 'other']).toContain(r.reason);
          expect(Object.keys(body as object)).not.toContain('email');
          accepted.revocation++;
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('met well-formed bodies among the generated ones (the properties above are not vacuous)', () => {
    expect(accepted.revocation).toBeGreaterThan(0);
    expect(
      parseEntitlement({ badgeRef: 'att_12345678', doors: ['a', 'a'], validFrom: 1, validUntil: 2 }).doors,
    ).toEqual(['a']);
  });

  it('pseudonyms differ per tenant and never contain the reference', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{8,40}$/), (ref) => {
        const a = pseudonym('acme', ref);
        expect(a).not.toContain(ref);
        expect(a).not.toBe(pseudonym('globex', ref));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('audit line verifier (fuzz)', () => {
  it('never throws on arbitrary lines and never calls garbage valid', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.json({ maxDepth: 1 })), { minLength: 1, maxLength: 3 }),
        (lines) => {
          if (verifyAuditLines(lines).ok) throw new Error('garbage verified');
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('bearer token verifier (fuzz)', () => {
  const verify = createTokenVerifier({
    audience: 'a',
    clients: [],
    activity: memoryActivityStore(),
    now: () => 0,
  });
  const segment = fc.oneof(fc.base64String(), fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/), fc.string());
  const header = fc.oneof(
    fc.string(),
    fc.tuple(segment, segment, segment).map(([a, b, c]) => `Bearer ${a}.${b}.${c}`),
    fc.jsonValue().map((j) => `Bearer ${Buffer.from(JSON.stringify(j)).toString('base64url')}.e30.`),
  );
  it('refuses any header with a typed 401, never another error', async () => {
    await fc.assert(
      fc.asyncProperty(header, async (h) => {
        await verify(h).then(
          () => expect.unreachable('accepted'),
          (e) => {
            expect(e).toBeInstanceOf(ApiError);
            expect((e as ApiError).status).toBe(401);
          },
        );
      }),
      { numRuns: Math.ceil(RUNS / 10) },
    );
  });
});
