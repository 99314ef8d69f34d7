/** Shared fixtures for the BW-SC channel and session tests: fixed keys, a seeded Random, a counting AES port. */
import { expect } from 'vitest';
import { fromHex } from '../src/bytes';
import { nobleAes } from '../src/crypto/noble';
import type { Fail } from '../src/errors';
import { HostChannel, type HostChannelConfig, type ReaderKeys } from '../src/link/host-channel';
import {
  createReaderChannel,
  type ReaderChannel,
  type ReaderChannelConfig,
} from '../src/link/reader-channel';
import type { ChannelStep } from '../src/link/step';
import type { Aes128, Random } from '../src/ports';

export const KR = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
export const KR2 = fromHex('f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff');
export const RID = fromHex('b0a1c2d3e4f50617');
export const INFO = fromHex('a1066476312e30'); // CBOR {6: "v1.0"}

/** Deterministic bytes: a test needs reproducible nonces, never production. */
export function seededRandom(seed: number): Random {
  let x = seed >>> 0 || 1;
  return {
    fill(out: Uint8Array) {
      for (let i = 0; i < out.length; i++) {
        x ^= x << 13;
        x >>>= 0;
        x ^= x >>> 17;
        x ^= x << 5;
        x >>>= 0;
        out[i] = x & 255;
      }
    },
  };
}

/** Fills with a fixed byte pattern, for worked examples: nonce = start, start+1, ... */
export function fixedRandom(start: number): Random {
  return {
    fill(out: Uint8Array) {
      for (let i = 0; i < out.length; i++) out[i] = (start + i) & 255;
    },
  };
}

export interface Counting extends Aes128 {
  ecbCalls: number;
  cbcCalls: number;
  blocks: number;
}

/** An AES port that counts its calls and blocks, over @noble/ciphers. */
export function countingAes(): Counting {
  const c: Counting = {
    ecbCalls: 0,
    cbcCalls: 0,
    blocks: 0,
    ecb(key, data) {
      c.ecbCalls++;
      c.blocks += data.length / 16;
      return nobleAes.ecb(key, data);
    },
    cbc(key, iv, data) {
      c.cbcCalls++;
      c.blocks += data.length / 16;
      return nobleAes.cbc(key, iv, data);
    },
  };
  return c;
}

export function keysFor(map: { [hexId: string]: ReaderKeys }): HostChannelConfig['lookup'] {
  return (id) => {
    let h = '';
    for (const b of id) h += b.toString(16).padStart(2, '0');
    return map[h] ?? null;
  };
}

export function makeReader(
  over: Partial<ReaderChannelConfig> = {},
  rnd: Random = seededRandom(7),
  aes: Aes128 = nobleAes,
): ReaderChannel {
  const r = createReaderChannel(aes, rnd, { readerId: RID, key: KR, info: INFO, ...over });
  if (!r.ok) throw new Error(`reader refused: ${r.code}`);
  return r.value;
}

export function makeHost(
  over: Partial<HostChannelConfig> = {},
  rnd: Random = seededRandom(3),
  aes: Aes128 = nobleAes,
): HostChannel {
  return new HostChannel(aes, rnd, {
    lookup: keysFor({ b0a1c2d3e4f50617: { key: KR, prev: null } }),
    ...over,
  });
}

export function only(s: ChannelStep): Uint8Array {
  expect(s.fail).toBeNull();
  expect(s.send.length).toBe(1);
  return s.send[0] as Uint8Array;
}

export function code(s: ChannelStep): number {
  expect(s.fail).not.toBeNull();
  return (s.fail as Fail).code;
}

/** Runs HELLO, AUTH, CONFIRM between the two roles and returns the three packets. */
export function handshake(
  h: HostChannel,
  r: ReaderChannel,
  now = 0,
): { hello: Uint8Array; auth: Uint8Array; confirm: Uint8Array } {
  const hello = h.start();
  const auth = only(r.receive(hello, now));
  const hs = h.receive(auth, now);
  const confirm = only(hs);
  expect(hs.up).toBe(true);
  const rs = r.receive(confirm, now);
  expect(rs.fail).toBeNull();
  expect(rs.up).toBe(true);
  return { hello, auth, confirm };
}
