/**
 * Revocations with a future `effectiveAt`: applied at that time (virtual clock), not at once; re-armed after a
 * bridge restart from the sealed store; never moved later by a second update. Unit level on RevocationSchedule,
 * then through the real bridge's HTTPS API and a stop/start over the same data dir.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { RevocationSchedule } from '../src/access/revocation-schedule';
import { type Bridge, startBridge } from '../src/bridge';
import { loadConfig } from '../src/config/index';
import { KeyStore } from '../src/keys/index';
import { createLogger } from '../src/log/index';
import { call } from './api-fixtures';
import { apiOf, siteToken, writeSite } from './bridge-site';
import { VirtualClock } from './readers-world';

const DAY = 86_400_000;

function rig(wallStart: number) {
  const clock = new VirtualClock();
  const wall = () => wallStart + clock.t;
  const applied: string[] = [];
  const s = new RevocationSchedule(clock, wall, (t, r) => applied.push(`${t}/${r}`));
  const advance = (ms: number) => {
    // Step through the timers so chained (day-long) steps fire in order.
    const end = clock.t + ms;
    for (;;) {
      const next = clock.timers.reduce((m, x) => Math.min(m, x.at), Number.POSITIVE_INFINITY);
      if (next > end) break;
      clock.t = Math.max(clock.t, next);
      clock.fire();
    }
    clock.t = end;
  };
  return { clock, s, applied, advance };
}

describe('RevocationSchedule', () => {
  it('applies a due revocation at once and a future one exactly when it falls due', () => {
    const r = rig(1_800_000_000_000);
    expect(r.s.add('acme', 'a', 1_800_000_000_000 - 1).state).toBe('applied');
    expect(r.applied).toEqual(['acme/a']);
    expect(r.s.add('acme', 'b', 1_800_000_000_000 + 5_000).state).toBe('scheduled');
    r.advance(4_999);
    expect(r.applied).toEqual(['acme/a']);
    r.advance(1);
    expect(r.applied).toEqual(['acme/a', 'acme/b']);
    expect(r.s.size).toBe(0);
  });

  it('waits out a delay beyond the 2^31 ms a single Node timer can hold, in day-long steps', () => {
    const r = rig(0);
    r.s.add('acme', 'far', 40 * DAY);
    expect(Math.max(...r.clock.timers.map((x) => x.at))).toBeLessThanOrEqual(DAY);
    r.advance(40 * DAY - 1);
    expect(r.applied).toEqual([]);
    r.advance(1);
    expect(r.applied).toEqual(['acme/far']);
  });

  it('never moves a revocation later; an earlier update brings it forward', () => {
    const r = rig(0);
    expect(r.s.add('acme', 'x', 10_000).effectiveAt).toBe(10_000);
    expect(r.s.add('acme', 'x', 50_000)).toEqual({ state: 'scheduled', effectiveAt: 10_000 });
    expect(r.s.add('acme', 'x', 2_000)).toEqual({ state: 'scheduled', effectiveAt: 2_000 });
    r.advance(2_000);
    expect(r.applied).toEqual(['acme/x']);
    r.advance(60_000);
    expect(r.applied).toEqual(['acme/x']); // the replaced timers were disarmed
  });

  it('keeps tenants apart and applies nothing after close', () => {
    const r = rig(0);
    r.s.add('acme', 'x', 1_000);
    r.s.add('globex', 'x', 2_000);
    r.advance(1_000);
    expect(r.applied).toEqual(['acme/x']);
    r.s.close();
    r.advance(5_000);
    expect(r.applied).toEqual(['acme/x']);
    expect(r.clock.timers).toHaveLength(0);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'bw-revocation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secret = randomBytes(32);
const env = {
  BADGEWIRE_KEYSTORE_PASSPHRASE: 'revocation schedule test',
  ACME_ADMIN: base64url.encode(secret),
};
const LATER = `att-${randomBytes(6).toString('hex')}`;

const SITE = { audience: 'https://bridge.rev', secretEnv: 'ACME_ADMIN', scopes: ['admin'] };

function site(): string {
  const file = writeSite(dir, { ...SITE, extra: { enrolment: { acme: 'enrol.json' } } });
  const ks = KeyStore.create(loadConfig(file).keyStore.path, {
    passphrase: env.BADGEWIRE_KEYSTORE_PASSPHRASE,
  });
  const mk = ks.createMasterKey('rev-test');
  writeFileSync(
    join(dir, 'enrol.json'),
    JSON.stringify({ masterKeyId: mk.id, badges: [{ ref: LATER, serial: 'BW-REV-1' }] }),
  );
  return file;
}

describe('a future revocation through the bridge', () => {
  it('takes effect at effectiveAt, not when posted, and survives a restart before it falls due', async () => {
    const file = site();
    const wall0 = Date.now();
    let clock = new VirtualClock();
    let wall = () => wall0 + clock.t;
    const opts = () => ({
      env,
      clock,
      now: wall,
      log: createLogger({ level: 'silent' }),
      print: () => undefined,
    });
    const allowed = (b: Bridge) =>
      b.policies.get('acme')?.decide(LATER, 'main', 'in', Math.floor(wall() / 1000)).reason !== 'revoked';

    let b = await startBridge(loadConfig(file), opts());
    try {
      const res = await call(apiOf(b.api?.port, join(dir, 'data')), '/v1/revocations', {
        method: 'POST',
        token: await siteToken(SITE, secret),
        body: { badgeRef: LATER, reason: 'expired', effectiveAt: wall0 + 3_600_000 },
      });
      expect(res.status).toBe(201);
      expect(allowed(b)).toBe(true);
      clock.t = 1_800_000; // half-way: still valid
      clock.fire();
      expect(allowed(b)).toBe(true);
    } finally {
      await b.stop();
    }

    // Restart half-way (a fresh monotonic clock, wall time carried on): re-armed from the sealed row.
    const carried = wall();
    clock = new VirtualClock();
    wall = () => carried + clock.t;
    b = await startBridge(loadConfig(file), opts());
    try {
      expect(allowed(b)).toBe(true);
      clock.t = 1_800_000 - 1;
      clock.fire();
      expect(allowed(b)).toBe(true);
      clock.t = 1_800_000;
      clock.fire();
      expect(allowed(b)).toBe(false);
    } finally {
      await b.stop();
    }
  });
});
