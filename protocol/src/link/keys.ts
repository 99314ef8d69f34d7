/**
 * BW-SC key schedule and handshake transcript tags (spec 30-secure-channel §4). Device-safe: only the
 * `Aes128` port (ECB + CBC) through CMAC and the SP 800-108 CMAC KDF.
 *
 * One KDF call yields every session secret, so the reader pays one subkey computation and 11 CBC calls:
 *
 *   OKM = KDF(K_r, "BW-SC keys", ver ‖ readerId ‖ Nh ‖ Nr, 167 bytes)
 *       = K_conf(32) ‖ K_enc_h2r(32) ‖ K_mac_h2r(32) ‖ K_enc_r2h(32) ‖ K_mac_r2h(32) ‖ sid(7)
 *
 * Each 16-byte slice is an independent PRF output block of the counter-mode KDF, which gives key separation
 * per purpose and per direction; both nonces and the chosen version are in the context, so neither side alone
 * fixes the keys (the OSDP weakness where keys depend on the controller's random only).
 */
import { ascii, concat, writeU16BE } from '../bytes';
import { type CmacKey, cmacKey, cmacWith } from '../crypto/cmac';
import { kdfCmac } from '../crypto/kdf';
import type { Aes128 } from '../ports';
import { KEY_LEN, TAG_LEN } from './packet';

export const KDF_LABEL = ascii('BW-SC keys');
const LABEL_R = ascii('R');
const LABEL_H = ascii('H');
export const SID_LEN = 7;
const OKM_LEN = 5 * KEY_LEN + SID_LEN;

/** Keys for one direction of one session. The objects stay the same for the session so AES ports can cache. */
export interface DirKeys {
  enc: Uint8Array;
  mac: CmacKey;
}

export interface SessionKeys {
  conf: CmacKey;
  h2r: DirKeys;
  r2h: DirKeys;
  sid: Uint8Array;
}

function sub(okm: Uint8Array, i: number): Uint8Array {
  return new Uint8Array(okm.subarray(i * KEY_LEN, (i + 1) * KEY_LEN));
}

export function deriveKeys(
  aes: Aes128,
  kr: Uint8Array,
  ver: number,
  readerId: Uint8Array,
  nh: Uint8Array,
  nr: Uint8Array,
): SessionKeys {
  const ctx = concat([new Uint8Array([ver]), readerId, nh, nr]);
  const okm = kdfCmac(aes, kr, KDF_LABEL, ctx, OKM_LEN);
  return {
    conf: cmacKey(aes, sub(okm, 0)),
    h2r: { enc: sub(okm, 1), mac: cmacKey(aes, sub(okm, 2)) },
    r2h: { enc: sub(okm, 3), mac: cmacKey(aes, sub(okm, 4)) },
    sid: new Uint8Array(okm.subarray(5 * KEY_LEN, OKM_LEN)),
  };
}

/** Length-prefixed concatenation, so no split of the transcript into packets is ambiguous. */
function transcript(label: Uint8Array, parts: Uint8Array[]): Uint8Array {
  const all: Uint8Array[] = [label];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as Uint8Array;
    const n = new Uint8Array(2);
    writeU16BE(n, 0, p.length);
    all.push(n);
    all.push(p);
  }
  return concat(all);
}

/** tagR = CMAC(K_conf, "R" ‖ len‖HELLO ‖ len‖AUTH-without-tag)[0:8] */
export function tagR(aes: Aes128, conf: CmacKey, hello: Uint8Array, authNoTag: Uint8Array): Uint8Array {
  return cmacWith(aes, conf, transcript(LABEL_R, [hello, authNoTag])).subarray(0, TAG_LEN);
}

/** tagH = CMAC(K_conf, "H" ‖ len‖HELLO ‖ len‖AUTH ‖ len‖CONFIRM-without-tag)[0:8] */
export function tagH(
  aes: Aes128,
  conf: CmacKey,
  hello: Uint8Array,
  auth: Uint8Array,
  confirmNoTag: Uint8Array,
): Uint8Array {
  return cmacWith(aes, conf, transcript(LABEL_H, [hello, auth, confirmNoTag])).subarray(0, TAG_LEN);
}
