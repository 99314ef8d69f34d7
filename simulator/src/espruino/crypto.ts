/**
 * `require("crypto")` with the board's real quirks (espruino.md §4): AES modes ECB/CBC/CFB(-8)/CTR, no padding,
 * CTR ignores the IV (the counter always starts at 0), OFB unavailable, errors print `ERROR: ...` and return
 * undefined instead of throwing; hashes return ArrayBuffers. Boards without AES (MDBT42Q) have no `AES`.
 * AES blocks come from @noble/ciphers via protocol's `nobleAes`; hashes from node:crypto.
 */
import { createHash } from 'node:crypto';
import { nobleAes } from '@badgewire/protocol';
import type { Realm } from './realm';
import { toBytes } from './values';

type AesFn = (msg: unknown, key: unknown, opts?: { iv?: unknown; mode?: string }) => ArrayBuffer | undefined;

function xorBlock(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = (a[i] as number) ^ (b[i] as number);
  return o;
}

function ctrZero(key: Uint8Array, data: Uint8Array): Uint8Array {
  const nBlocks = Math.ceil(data.length / 16);
  const counters = new Uint8Array(nBlocks * 16);
  for (let b = 0; b < nBlocks; b++) {
    let c = b;
    for (let i = 15; i >= 12 && c > 0; i--) {
      counters[b * 16 + i] = c & 0xff;
      c >>>= 8;
    }
  }
  return xorBlock(data, nobleAes.ecb(key, counters).subarray(0, data.length));
}

function cfb8(key: Uint8Array, iv: Uint8Array, data: Uint8Array, decrypt: boolean): Uint8Array {
  const reg = iv.slice(0, 16);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const ks = nobleAes.ecb(key, reg)[0] as number;
    const c = decrypt ? (data[i] as number) : ((data[i] as number) ^ ks) & 0xff;
    out[i] = decrypt ? ((data[i] as number) ^ ks) & 0xff : c;
    reg.copyWithin(0, 1);
    reg[15] = c;
  }
  return out;
}

export function createCrypto(
  realm: Realm,
  printError: (line: string) => void,
  opts: { aes: boolean; sha512: boolean },
): Record<string, unknown> {
  const hash = (alg: string) => (data: unknown) => {
    const digest = createHash(alg).update(toBytes(data)).digest();
    return realm.buffer(digest);
  };
  const mod = realm.object();
  mod.SHA1 = hash('sha1');
  mod.SHA224 = hash('sha224');
  mod.SHA256 = hash('sha256');
  if (opts.sha512) {
    mod.SHA384 = hash('sha384');
    mod.SHA512 = hash('sha512');
  }
  if (!opts.aes) return mod;

  const run =
    (decrypt: boolean): AesFn =>
    (msg, keyIn, o) => {
      const mode = o?.mode ?? 'CBC';
      const data = toBytes(msg);
      const key = toBytes(keyIn);
      const iv = o?.iv === undefined ? new Uint8Array(16) : toBytes(o.iv);
      if (!['CBC', 'CFB', 'CTR', 'OFB', 'ECB'].includes(mode))
        throw realm.error('Error', `Unknown Crypto mode "${mode}"`);
      if (mode === 'OFB') {
        printError('ERROR: Feature unavailable');
        return undefined;
      }
      if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
        printError('ERROR: Unknown error: -0x20');
        return undefined;
      }
      let out: Uint8Array;
      if (mode === 'CTR') out = ctrZero(key, data);
      else if (mode === 'CFB') out = cfb8(key, iv, data, decrypt);
      else if (mode === 'ECB') {
        // Only whole blocks are processed; a trailing partial block comes back as zeros.
        out = new Uint8Array(data.length);
        const whole = data.length - (data.length % 16);
        if (whole > 0) {
          const part = data.subarray(0, whole);
          out.set(decrypt ? nobleAes.ecbDecrypt(key, part) : nobleAes.ecb(key, part));
        }
      } else {
        if (data.length % 16 !== 0) {
          printError('ERROR: Invalid input length');
          return undefined;
        }
        const iv16 = new Uint8Array(16);
        iv16.set(iv.subarray(0, 16));
        out = decrypt ? nobleAes.cbcDecrypt(key, iv16, data) : nobleAes.cbc(key, iv16, data);
      }
      return realm.buffer(out);
    };
  const aes = realm.object();
  aes.encrypt = run(false);
  aes.decrypt = run(true);
  mod.AES = aes;
  return mod;
}
