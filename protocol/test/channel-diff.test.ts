/**
 * Differential test of BW-SC: the reader role (device path: only `ecb`/`cbc` port calls, counted) and the host
 * role on the cached host AES port against an independent re-implementation of the spec written directly on
 * @noble/ciphers `cmac` and `ctr`. Same nonces, same bytes.
 */
import { readFileSync } from 'node:fs';
import { cmac, ctr } from '@noble/ciphers/aes.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex } from '../src/bytes';
import { fastAes } from '../src/crypto/fast';
import { fastRecordCipher } from '../src/link/fast-cipher';
import { HostChannel } from '../src/link/host-channel';
import { countingAes, fixedRandom, INFO, KR, keysFor, makeReader, RID } from './link-fixtures';

const enc = (s: string) => new TextEncoder().encode(s);
const be16 = (n: number) => new Uint8Array([n >> 8, n & 255]);
const be32 = (n: number) => new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

/** SP 800-108 counter-mode KDF with noble's CMAC as PRF. */
function refKdf(key: Uint8Array, label: Uint8Array, ctx: Uint8Array, len: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 1; i <= Math.ceil(len / 16); i++)
    parts.push(cmac(concat([new Uint8Array([i]), label, new Uint8Array([0]), ctx, be16(len * 8)]), key));
  return concat(parts).subarray(0, len);
}

function refSession(nh: Uint8Array, nr: Uint8Array) {
  const okm = refKdf(KR, enc('BW-SC keys'), concat([new Uint8Array([1]), RID, nh, nr]), 167);
  const k = (i: number) => okm.subarray(32 * i, 32 * i + 32);
  return { conf: k(0), ench: k(1), mach: k(2), encr: k(3), macr: k(4), sid: okm.subarray(160, 167) };
}

const lp = (b: Uint8Array) => concat([be16(b.length), b]);

function refRecord(
  encKey: Uint8Array,
  macKey: Uint8Array,
  dir: number,
  sid: Uint8Array,
  c: number,
  body: Uint8Array,
) {
  const hdr = concat([new Uint8Array([0x10 | dir, 4]), be32(c)]);
  const iv = concat([new Uint8Array([dir]), sid, be32(c), new Uint8Array(4)]);
  const ct = ctr(encKey, iv).encrypt(body);
  return concat([hdr, ct, cmac(concat([hdr, ct]), macKey).subarray(0, 8)]);
}

describe('BW-SC differential: device path, host path, reference', () => {
  it('produces the reference bytes for the handshake and records (device port path, host word path), 1 ECB + 1 CBC per record', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.array(
          fc.oneof(
            fc.uint8Array({ minLength: 1, maxLength: 200 }),
            fc.constantFrom(10, 26, 42).map((n) => new Uint8Array(n).fill(7)),
          ),
          { minLength: 1, maxLength: 4 },
        ),
        (hs, rs, bodies) => {
          const port = countingAes();
          const reader = makeReader({}, fixedRandom(rs), port);
          const host = new HostChannel(fastAes, fixedRandom(hs), {
            lookup: keysFor({ b0a1c2d3e4f50617: { key: KR, prev: null } }),
            records: fastRecordCipher,
          });
          const nh = new Uint8Array(16);
          fixedRandom(hs).fill(nh);
          const nr = new Uint8Array(16);
          fixedRandom(rs).fill(nr);
          const k = refSession(nh, nr);

          const hello = host.start();
          expect(toHex(hello)).toBe(toHex(concat([new Uint8Array([0x10, 1, 0, 0, 0, 0, 1, 1]), nh])));
          const auth = reader.receive(hello, 0).send[0] as Uint8Array;
          const authCore = concat([new Uint8Array([0x11, 2, 0, 0, 0, 0, 1]), RID, nr, INFO]);
          const tagR = cmac(concat([enc('R'), lp(hello), lp(authCore)]), k.conf).subarray(0, 8);
          expect(toHex(auth)).toBe(toHex(concat([authCore, tagR])));
          const confirm = host.receive(auth, 0).send[0] as Uint8Array;
          const cCore = new Uint8Array([0x10, 3, 0, 0, 0, 0]);
          const tagH = cmac(concat([enc('H'), lp(hello), lp(auth), lp(cCore)]), k.conf).subarray(0, 8);
          expect(toHex(confirm)).toBe(toHex(concat([cCore, tagH])));
          expect(reader.receive(confirm, 0).up).toBe(true);

          bodies.forEach((body, i) => {
            const before = { e: port.ecbCalls, c: port.cbcCalls };
            const r = reader.seal(body, 1);
            if (!r.ok) throw new Error('seal');
            expect(port.ecbCalls - before.e).toBe(1);
            expect(port.cbcCalls - before.c).toBe(1);
            expect(toHex(r.value)).toBe(toHex(refRecord(k.encr, k.macr, 1, k.sid, i + 1, body)));
            const h = host.seal(body, 1);
            if (!h.ok) throw new Error('seal');
            expect(toHex(h.value)).toBe(toHex(refRecord(k.ench, k.mach, 0, k.sid, i + 1, body)));
            expect(toHex(reader.receive(h.value, 1).body ?? new Uint8Array())).toBe(toHex(body));
            expect(toHex(host.receive(r.value, 1).body ?? new Uint8Array())).toBe(toHex(body));
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('costs the reader a bounded number of native AES calls per handshake', () => {
    const port = countingAes();
    const reader = makeReader({}, fixedRandom(1), port);
    const host = new HostChannel(fastAes, fixedRandom(2), {
      lookup: keysFor({ b0a1c2d3e4f50617: { key: KR, prev: null } }),
    });
    const auth = reader.receive(host.start(), 0).send[0] as Uint8Array;
    const confirm = host.receive(auth, 0).send[0] as Uint8Array;
    expect(reader.receive(confirm, 0).up).toBe(true);
    // KDF: 1 subkey ECB + 11 CBC; subkey ECBs for K_conf, K_mac_h2r, K_mac_r2h; tagR and tagH: 1 CBC each.
    expect(port.ecbCalls).toBe(4);
    expect(port.cbcCalls).toBe(13);
  });

  it('reproduces the worked example of spec/30-secure-channel.md §30.10 with the reference', () => {
    const spec = readFileSync(new URL('../spec/30-secure-channel.md', import.meta.url), 'utf8');
    const block = spec.slice(spec.indexOf('### 30.10'));
    const v = (name: string) => {
      const m = new RegExp(`^${name}\\s+([0-9a-f]+)`, 'm').exec(block);
      if (!m) throw new Error(`spec example lacks ${name}`);
      return fromHex(m[1] as string);
    };
    expect(toHex(v('K_r'))).toBe(toHex(KR));
    const nh = v('Nh');
    const nr = v('Nr');
    const k = refSession(nh, nr);
    for (const [n, key] of [
      ['K_conf', k.conf],
      ['K_enc_h2r', k.ench],
      ['K_mac_h2r', k.mach],
      ['K_enc_r2h', k.encr],
      ['K_mac_r2h', k.macr],
      ['sid', k.sid],
    ] as const)
      expect(toHex(v(n))).toBe(toHex(key));
    const hello = concat([new Uint8Array([0x10, 1, 0, 0, 0, 0, 1, 1]), nh]);
    expect(toHex(v('HELLO'))).toBe(toHex(hello));
    const authCore = concat([new Uint8Array([0x11, 2, 0, 0, 0, 0, 1]), RID, nr, v('info')]);
    const auth = concat([authCore, cmac(concat([enc('R'), lp(hello), lp(authCore)]), k.conf).subarray(0, 8)]);
    expect(toHex(v('AUTH'))).toBe(toHex(auth));
    const cCore = new Uint8Array([0x10, 3, 0, 0, 0, 0]);
    const confirm = concat([
      cCore,
      cmac(concat([enc('H'), lp(hello), lp(auth), lp(cCore)]), k.conf).subarray(0, 8),
    ]);
    expect(toHex(v('CONFIRM'))).toBe(toHex(confirm));
    expect(toHex(v('record R→H'))).toBe(toHex(refRecord(k.encr, k.macr, 1, k.sid, 1, v('event'))));
    expect(toHex(v('record H→R'))).toBe(toHex(refRecord(k.ench, k.mach, 0, k.sid, 1, v('ack'))));
  });
});
