/**
 * Seeded pseudo-random numbers for the simulator (radio loss, RSSI, fault plans, `E.hwRand`). xoshiro128**
 * seeded through splitmix32: fast, well distributed and reproducible from one seed. NOT a CSPRNG: it
 * implements the `Random` port only so simulated devices are deterministic; real key material on the host
 * comes from protocol's `secureRandom`.
 */
import type { Random } from '@badgewire/protocol';

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function hashSeed(seed: number | string): number {
  if (typeof seed === 'number') return seed | 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return h | 0;
}

export class SeededRandom implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  readonly seed: number | string;

  constructor(seed: number | string) {
    this.seed = seed;
    const st = { s: hashSeed(seed) };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
  }

  /** Next 32-bit unsigned integer. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  fill(out: Uint8Array): void {
    for (let i = 0; i < out.length; i += 4) {
      let v = this.u32();
      for (let j = i; j < i + 4 && j < out.length; j++) {
        out[j] = v & 0xff;
        v >>>= 8;
      }
    }
  }

  /** An independent stream derived from this seed and a label (one per device, per link, ...). */
  fork(label: string): SeededRandom {
    return new SeededRandom(`${String(this.seed)}/${label}`);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
