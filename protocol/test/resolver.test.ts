import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ephId } from '../src/badge/ephid';
import { fastAes } from '../src/crypto/fast';
import { secureRandom } from '../src/crypto/noble';
import {
  E_BADGE_CHALLENGE,
  E_BADGE_CLOCK,
  E_BADGE_FORGED,
  E_BADGE_HEADER,
  E_BADGE_LENGTH,
  E_BADGE_REPLAY,
  E_BADGE_REVOKED,
  E_BADGE_UNKNOWN,
} from '../src/errors';
import { ChallengeIssuer } from '../src/resolver/challenges';
import { MemoryCounterStore } from '../src/resolver/counters';
import { Resolver } from '../src/resolver/resolver';
import { advert, makeBadges, prng, register, type SimBadge, tapC, tapS } from './resolver-fixture';

const T0 = 1_800_000_000;
const code = (r: { ok: boolean; code?: number }) => (r.ok ? 0 : r.code);

function setup(n: number, seed = 1, opts: { resyncPerSecond?: number } = {}) {
  const store = new MemoryCounterStore();
  const r = new Resolver({ nowS: T0, store: store, capacity: n, ...opts });
  const badges = makeBadges(n, T0, seed);
  register(r, badges);
  return { r, store, badges };
}

describe('Resolver: BLE sightings', () => {
  it('resolves every badge as time advances (jittered switches, 1-s ticks and long jumps)', () => {
    const { r, badges } = setup(300);
    const rnd = prng(9);
    let t = T0;
    for (let step = 0; step < 60; step++) {
      t += step % 10 === 9 ? 2000 : 1 + Math.floor(rnd() * 40);
      r.advance(t);
      for (const b of badges) {
        const res = r.resolveSighting(advert(b, t, Math.floor(rnd() * 61)), t);
        if (!res.ok) throw new Error(`badge ${b.ref} at ${t - T0}: ${res.code}`);
        expect(res.value.badge).toBe(b.ref);
      }
    }
  });

  it('unknown, random and truncated EphIDs are rejected without false positives', () => {
    const { r } = setup(500);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 20 }), (e) => {
        const c = code(r.resolveSighting(e, T0));
        return e.length === 16 ? c === E_BADGE_UNKNOWN : c === E_BADGE_LENGTH;
      }),
      { numRuns: 20000 },
    );
    const stranger = makeBadges(1, T0, 77)[0] as SimBadge;
    expect(code(r.resolveSighting(advert(stranger, T0), T0))).toBe(E_BADGE_UNKNOWN);
  });

  it('accepts badge clock skew inside the window [p-2, p+1] and rejects it outside', () => {
    // At host time t the badge is mid-slot by the learned offset (phase 128).
    const cases: [number, boolean][] = [
      [-128 - 2 * 256 - 1, false],
      [-128 - 2 * 256, true],
      [-300, true],
      [0, true],
      [127, true],
      [127 + 256, true],
      [128 + 256, false],
      [5000, false],
    ];
    for (const [skew, accepted] of cases) {
      const { r, badges } = setup(4, 3);
      const b = badges[0] as SimBadge;
      const t = T0 + 1000 + ((((128 - ((T0 + 1000 + b.off) % 256)) % 256) + 256) % 256);
      r.advance(t);
      const eph = ephId(fastAes, b.kId, Math.floor((t + b.off + skew) / 256));
      expect(r.resolveSighting(eph, t).ok, `skew ${skew}`).toBe(accepted);
    }
  });

  it('follows a badge whose clock drifts (re-centring on each match) where a fixed offset would lose it', () => {
    const { r, badges } = setup(2, 5);
    const b = badges[0] as SimBadge;
    let t = T0;
    const drift = 0.1; // far beyond any crystal, to make the point in few steps
    for (let i = 0; i < 400; i++) {
      t += 30;
      r.advance(t);
      const badgeTime = T0 + b.off + (t - T0) * (1 + drift);
      const res = r.resolveSighting(ephId(fastAes, b.kId, Math.floor(badgeTime / 256)), t);
      expect(res.ok, `step ${i}`).toBe(true);
    }
    const moved = 400 * 30 * drift;
    // The accumulated drift (1200 s) is more than the whole 4-slot window: only re-centring kept it found.
    expect(moved).toBeGreaterThan(4 * 256);
    expect(Math.abs(r.offsetOf(b.ref) - (b.off + moved))).toBeLessThan(256 + 60);
  });

  it('replayed older EphIDs cannot drag the window away from the genuine badge', () => {
    const { r, badges } = setup(3, 7);
    const b = badges[0] as SimBadge;
    const t0 = T0 + 5000;
    const p0 = Math.floor((t0 + b.off) / 256);
    const recorded = [1, 2, 3, 4].map((k) => ephId(fastAes, b.kId, p0 - k));
    for (let t = t0; t < t0 + 2000; t += 10) {
      // The attacker replays every recording it has, many times, between two genuine sightings.
      for (let k = 0; k < 5; k++) for (const e of recorded) r.resolveSighting(e, t);
      const genuine = r.resolveSighting(advert(b, t), t);
      expect(genuine.ok, `t+${t - t0}`).toBe(true);
    }
    expect(Math.abs(r.offsetOf(b.ref) - b.off)).toBeLessThan(256 + 60);
  });

  it('keeps its table invariants: 4 entries per badge, one centre mark on slot p, flags consistent', () => {
    const { r, badges } = setup(60, 13);
    const rnd = prng(4);
    const issuer = new ChallengeIssuer(secureRandom);
    let t = T0;
    const check = () => {
      // biome-ignore lint/suspicious/noExplicitAny: white-box check of the resolver's typed arrays
      const x = r as any;
      const d: Uint32Array = x.table.d;
      const per = new Map<number, number[]>();
      for (let o = 0; o < d.length; o += 8) {
        if (d[o + 4] === 0) continue;
        const b = (d[o + 4] as number) - 1;
        const list = per.get(b) ?? [];
        list.push(d[o + 5] as number, d[o + 6] as number);
        per.set(b, list);
      }
      for (const [b, list] of per) {
        const lo = x.bf[b * 8 + 3];
        expect(list.length).toBe(8);
        for (let k = 0; k < 8; k += 2) {
          const slot = list[k] as number;
          const flags = list[k + 1] as number;
          expect(slot >= lo && slot < lo + 4).toBe(true);
          expect((flags & 2) !== 0, `centre flag of slot ${slot}, lo ${lo}`).toBe(slot === lo + 2);
          expect((flags & 1) !== 0).toBe(x.bf[b * 8 + 2] === 2);
        }
      }
    };
    for (let step = 0; step < 150; step++) {
      t += Math.floor(rnd() * 120);
      const b = badges[Math.floor(rnd() * badges.length)] as SimBadge;
      const op = rnd();
      if (op < 0.6) r.resolveSighting(advert(b, t, Math.floor(rnd() * 61)), t);
      else if (op < 0.75) r.verifyTap(tapS(b, t, Math.floor(rnd() * 200) - 100), t, null);
      else if (op < 0.85) {
        b.off += Math.floor(rnd() * 4000) - 2000; // clock jump; a challenged tap resyncs it
        const [c] = issuer.issue('d', 1, t) as [Uint8Array];
        r.verifyTap(tapC(b, t, c), t + 0.5, issuer.forReader('d'));
      } else if (op < 0.9) r.revoke(b.ref);
      else r.advance(t);
      check();
    }
  });

  it('a badge revoked after it was sighted is refused on the fast path too', () => {
    const { r, badges } = setup(3, 17);
    const b = badges[1] as SimBadge;
    const t = T0 + 40;
    expect(r.resolveSighting(advert(b, t), t).ok).toBe(true);
    expect(r.resolveSighting(advert(b, t), t).ok).toBe(true);
    r.revoke(b.ref);
    expect(code(r.resolveSighting(advert(b, t), t))).toBe(E_BADGE_REVOKED);
    expect(code(r.resolveSighting(advert(b, t + 300), t + 300))).toBe(E_BADGE_REVOKED);
  });

  it('slides incrementally: each badge costs one AES per slot, spread over the 256 one-second ticks', () => {
    const n = 4000;
    const { r } = setup(n, 11);
    let total = 0;
    let worst = 0;
    for (let t = T0 + 1; t <= T0 + 256; t++) {
      const a = r.advance(t);
      total += a;
      worst = Math.max(worst, a);
    }
    expect(total).toBe(n);
    expect(worst).toBeLessThan((n / 256) * 3);
    // A jump of a whole slot or more visits every badge once.
    expect(r.advance(T0 + 256 + 600)).toBeGreaterThanOrEqual(n * 2);
  });

  it('EphIDs are unlinkable: no shared 8-byte prefixes and Hamming distances of a fair coin', () => {
    const badges = makeBadges(100, T0, 21);
    const prefixes = new Set<string>();
    const ham: number[] = [];
    const bitCount = new Array(128).fill(0);
    let n = 0;
    const pop = (x: number) => {
      let c = 0;
      for (; x; x &= x - 1) c++;
      return c;
    };
    for (const b of badges) {
      let prev: Uint8Array | null = null;
      for (let s = 1000; s < 1100; s++) {
        const e = ephId(fastAes, b.kId, s);
        prefixes.add(Buffer.from(e.subarray(0, 8)).toString('hex'));
        for (let i = 0; i < 128; i++) bitCount[i] += (e[i >> 3]! >> (i & 7)) & 1;
        n++;
        if (prev) {
          let d = 0;
          for (let i = 0; i < 16; i++) d += pop(e[i]! ^ prev[i]!);
          ham.push(d);
        }
        prev = e;
      }
    }
    // Across badges, same slot.
    for (let i = 1; i < badges.length; i++) {
      const a = ephId(fastAes, badges[i - 1]!.kId, 1000);
      const c = ephId(fastAes, badges[i]!.kId, 1000);
      let d = 0;
      for (let j = 0; j < 16; j++) d += pop(a[j]! ^ c[j]!);
      ham.push(d);
    }
    expect(prefixes.size).toBe(n);
    const mean = ham.reduce((x, y) => x + y, 0) / ham.length;
    // Binomial(128, 1/2): mean 64, sd 5.66; the mean of ~10 000 samples has sd 0.06.
    expect(mean).toBeGreaterThan(63.5);
    expect(mean).toBeLessThan(64.5);
    expect(Math.min(...ham)).toBeGreaterThan(30);
    // Every bit position is a fair coin over 10 000 EphIDs (sd 50): no constant field.
    for (const c of bitCount) expect(Math.abs(c - n / 2)).toBeLessThan(300);
  });
});

describe('Resolver: NFC taps', () => {
  it('mode S: accepted once; replayed, reordered, truncated, spliced and bit-flipped frames rejected', () => {
    const { r, badges, store } = setup(50, 31);
    const b = badges[7] as SimBadge;
    const t = T0 + 100;
    r.advance(t);
    const f1 = tapS(b, t);
    const f2 = tapS(b, t + 1);
    const ok2 = r.verifyTap(f2, t + 1, null);
    expect(ok2).toEqual({
      ok: true,
      value: { badge: b.ref, ctr: 2, badgeTime: Math.floor(t + 1 + b.off), mode: 'S' },
    });
    expect(store.load(b.ref)).toBe(2);
    expect(code(r.verifyTap(f2, t + 2, null))).toBe(E_BADGE_REPLAY);
    expect(code(r.verifyTap(f1, t + 2, null))).toBe(E_BADGE_REPLAY);
    expect(code(r.verifyTap(f2.subarray(0, 32), t + 2, null))).toBe(E_BADGE_LENGTH);
    const other = badges[8] as SimBadge;
    const spliced = new Uint8Array(tapS(b, t + 3));
    spliced.set(tapS(other, t + 3).subarray(17), 17);
    expect(code(r.verifyTap(spliced, t + 3, null))).toBe(E_BADGE_FORGED);
    const fresh = tapS(b, t + 4);
    for (let bit = 0; bit < 33 * 8; bit++) {
      const g = new Uint8Array(fresh);
      g[bit >> 3] = g[bit >> 3]! ^ (1 << (bit & 7));
      const c = code(r.verifyTap(g, t + 4, null));
      expect([E_BADGE_HEADER, E_BADGE_UNKNOWN, E_BADGE_FORGED]).toContain(c);
    }
    expect(r.verifyTap(fresh, t + 4, null).ok).toBe(true);
  });

  it('random forged blocks on a valid EphID never pass', () => {
    const { r, badges } = setup(10, 41);
    const b = badges[0] as SimBadge;
    const t = T0 + 10;
    const head = tapS(b, t).subarray(0, 17);
    // A real issuer with live challenges: a forged mode C block must hit one of them (64 bits) as well as
    // the slot (24 bits). Against an accept-everything check only the slot would stand, 2^-24 per try.
    const issuer = new ChallengeIssuer(secureRandom);
    issuer.issue('door', 16, t);
    const door = issuer.forReader('door');
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ minLength: 16, maxLength: 16 }), (c, block) => {
        const f = new Uint8Array([c ? 0x12 : 0x13, ...head.subarray(1), ...block]);
        return !r.verifyTap(f, t, door).ok;
      }),
      { numRuns: 20000 },
    );
  });

  it('mode S outside the clock window is refused (a skimmed frame expires)', () => {
    const { r, badges } = setup(5, 43);
    const b = badges[1] as SimBadge;
    const t = T0 + 50;
    const skimmed = tapS(b, t);
    expect(code(r.verifyTap(skimmed, t + 400, null))).toBe(E_BADGE_CLOCK);
    expect(r.verifyTap(tapS(b, t + 400), t + 400, null).ok).toBe(true);
    expect(r.verifyTap(tapS(b, t + 400, 250), t + 400, null).ok).toBe(true);
  });

  it('mode C: single-use, reader-bound, 10-s challenges', () => {
    const { r, badges } = setup(5, 47);
    const issuer = new ChallengeIssuer(secureRandom);
    const b = badges[2] as SimBadge;
    const t = T0 + 20;
    const door = issuer.forReader('door-1');
    const [c1, c2, c3, c4] = issuer.issue('door-1', 4, t) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    const ok1 = r.verifyTap(tapC(b, t + 1, c1), t + 1, door);
    expect(ok1.ok && ok1.value.mode).toBe('C');
    expect(code(r.verifyTap(tapC(b, t + 2, c1), t + 2, door))).toBe(E_BADGE_CHALLENGE); // reused
    expect(code(r.verifyTap(tapC(b, t + 11, c2), t + 11, door))).toBe(E_BADGE_CHALLENGE); // expired
    expect(code(r.verifyTap(tapC(b, t + 3, c3), t + 3, issuer.forReader('door-2')))).toBe(E_BADGE_CHALLENGE);
    expect(code(r.verifyTap(tapC(b, t + 3, new Uint8Array(8).fill(9)), t + 3, door))).toBe(E_BADGE_CHALLENGE);
    expect(code(r.verifyTap(tapC(b, t + 3, c4), t + 3, null))).toBe(E_BADGE_CHALLENGE);
    expect(code(r.verifyTap(tapC(b, t + 3, new Uint8Array(8)), t + 3, door))).toBe(E_BADGE_FORGED);
    const [c5] = issuer.issue('door-1', 1, t + 5) as [Uint8Array];
    const good = tapC(b, t + 6, c5);
    const asS = new Uint8Array(good);
    asS[0] = 0x13;
    expect(code(r.verifyTap(asS, t + 6, door))).toBe(E_BADGE_FORGED);
    expect(r.verifyTap(good, t + 6, door).ok).toBe(true);
    issuer.prune(t + 100);
    expect(issuer.outstanding).toBe(0);
  });

  it('revoked badges are refused for sightings and taps; forgotten ones become unknown', () => {
    const { r, badges } = setup(5, 53);
    const b = badges[3] as SimBadge;
    const t = T0 + 5;
    expect(r.revoke(b.ref)).toBe(true);
    expect(code(r.resolveSighting(advert(b, t), t))).toBe(E_BADGE_REVOKED);
    expect(code(r.verifyTap(tapS(b, t), t, null))).toBe(E_BADGE_REVOKED);
    expect(r.forget(b.ref)).toBe(true);
    expect(code(r.resolveSighting(advert(b, t), t))).toBe(E_BADGE_UNKNOWN);
    expect(r.resolveSighting(advert(badges[4] as SimBadge, t), t).ok).toBe(true);
  });

  it('badges added at runtime resolve immediately', () => {
    const { r } = setup(10, 59);
    const t = T0 + 5000;
    r.advance(t);
    const late = makeBadges(20, t, 61);
    register(r, late);
    for (const b of late) expect(r.resolveSighting(advert(b, t), t).ok).toBe(true);
    expect(r.size).toBe(30);
  });

  it('re-learns the offset after a power loss through a mode-C tap, then BLE resolves again', () => {
    const { r, badges } = setup(200, 67);
    const issuer = new ChallengeIssuer(secureRandom);
    const b = badges[50] as SimBadge;
    const t = T0 + 10_000;
    r.advance(t);
    // The badge restarts from its last hourly save and was off for two hours: its clock is 3 h behind.
    b.off -= 3 * 3600;
    expect(code(r.resolveSighting(advert(b, t), t))).toBe(E_BADGE_UNKNOWN);
    expect(code(r.verifyTap(tapS(b, t), t, null))).toBe(E_BADGE_UNKNOWN);
    const [c] = issuer.issue('door-9', 1, t) as [Uint8Array];
    const res = r.verifyTap(tapC(b, t, c), t, issuer.forReader('door-9'));
    expect(res.ok).toBe(true);
    expect(r.offsetOf(b.ref)).toBe(b.off);
    for (let dt = 0; dt < 2000; dt += 97) {
      r.advance(t + dt);
      expect(r.resolveSighting(advert(b, t + dt), t + dt).ok).toBe(true);
    }
  });

  it('rate-limits the resync scan and lets it through again later', () => {
    const { r, badges } = setup(50, 71, { resyncPerSecond: 1 });
    const issuer = new ChallengeIssuer(secureRandom);
    const b = badges[5] as SimBadge;
    const t = T0 + 100;
    const junk = new Uint8Array(33);
    junk[0] = 0x12;
    expect(code(r.verifyTap(junk, t, issuer.forReader('x')))).toBe(E_BADGE_UNKNOWN); // spends the token
    b.off -= 5000;
    const [c1, c2] = issuer.issue('x', 2, t) as [Uint8Array, Uint8Array];
    expect(code(r.verifyTap(tapC(b, t, c1), t, issuer.forReader('x')))).toBe(E_BADGE_UNKNOWN);
    expect(r.verifyTap(tapC(b, t + 1.5, c2), t + 1.5, issuer.forReader('x')).ok).toBe(true);
  });

  it('counter high-water marks survive a restart through the CounterStore', () => {
    const { store, badges } = setup(3, 73);
    const b = badges[0] as SimBadge;
    const t = T0 + 30;
    const r1 = new Resolver({ nowS: t, store: store });
    register(r1, badges);
    const old = tapS(b, t);
    expect(r1.verifyTap(old, t, null).ok).toBe(true);
    const r2 = new Resolver({ nowS: t, store: store });
    register(r2, badges);
    expect(code(r2.verifyTap(old, t + 1, null))).toBe(E_BADGE_REPLAY);
    expect(r2.verifyTap(tapS(b, t + 2), t + 2, null).ok).toBe(true);
  });
});
