/** Simulated badges for resolver tests and benchmarks: keys from an MK, a badge clock, a tap counter. */
import { ephId, slotOf } from '../src/badge/ephid';
import { deriveBadgeKeys } from '../src/badge/keys';
import { encodeTap, HDR_TAP_C, HDR_TAP_S } from '../src/badge/tap';
import { fastAes } from '../src/crypto/fast';
import type { Resolver } from '../src/resolver/resolver';

export const MK = new Uint8Array(32).map((_, i) => i * 7 + 1);

export interface SimBadge {
  ref: string;
  kId: Uint8Array;
  kTap: Uint8Array;
  /** badge_time - host_time */
  off: number;
  ctr: number;
}

/** A deterministic 32-bit PRNG (mulberry32) so failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeBadges(n: number, hostNow: number, seed: number): SimBadge[] {
  const rnd = prng(seed);
  const out: SimBadge[] = [];
  for (let i = 0; i < n; i++) {
    const serial = new Uint8Array(8);
    new DataView(serial.buffer).setUint32(4, i + seed * 1000003);
    const k = deriveBadgeKeys(fastAes, MK, serial);
    // Badge clocks start at a random value at provisioning (SPEC §10.3): random phase per badge.
    const bt = 0x1000000 + Math.floor(rnd() * 0x40000000);
    out.push({ ref: `b${seed}-${i}`, kId: k.kId, kTap: k.kTap, off: bt - hostNow, ctr: 0 });
  }
  return out;
}

export function register(r: Resolver, badges: SimBadge[]): void {
  for (const b of badges) r.addBadge(b.ref, b.kId, b.kTap, b.off);
}

/** The EphID the badge advertises at host time t, given its switch jitter for the current slot. */
export function advert(b: SimBadge, t: number, jitterS = 0): Uint8Array {
  const bt = Math.floor(t + b.off);
  const s = slotOf(bt);
  const shown = bt - s * 256 < jitterS ? s - 1 : s;
  return ephId(fastAes, b.kId, shown);
}

export function tapS(b: SimBadge, t: number, skew = 0): Uint8Array {
  const bt = Math.floor(t + b.off + skew);
  b.ctr++;
  return encodeTap(
    fastAes,
    b.kTap,
    ephId(fastAes, b.kId, slotOf(bt)),
    HDR_TAP_S,
    b.ctr,
    bt,
    new Uint8Array(8),
  );
}

export function tapC(b: SimBadge, t: number, chal: Uint8Array, skew = 0): Uint8Array {
  const bt = Math.floor(t + b.off + skew);
  b.ctr++;
  return encodeTap(fastAes, b.kTap, ephId(fastAes, b.kId, slotOf(bt)), HDR_TAP_C, b.ctr, bt, chal);
}
