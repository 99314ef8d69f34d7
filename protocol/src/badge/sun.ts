/**
 * NTAG 424 DNA Secure Unique NFC (SUN) verification, AES mode (NT4H2421Gx §9.3, AN12196): the passive-badge
 * path (SPEC §10.6). Host only: it decrypts.
 *
 *   PICCData = AES-CBC⁻¹(K_SDMMetaRead, 0, e) = tag C7 ‖ UID(7) ‖ SDMReadCtr(3, LSB first) ‖ random(5)
 *   SV2 = 3C C3 00 01 00 80 ‖ UID ‖ ctr;  KSesSDMFileReadMAC = CMAC(K_SDMFileRead, SV2)
 *   SDMMAC = MACt(KSesSDMFileReadMAC, MAC input) = bytes 1, 3, …, 15 of the CMAC
 *   SV1 = C3 3C 00 01 00 80 ‖ UID ‖ ctr;  KSesSDMFileReadENC = CMAC(K_SDMFileRead, SV1)
 *   file data = AES-CBC⁻¹(KSesENC, IVe = AES(KSesENC, ctr ‖ 00×13), enc)
 *
 * The MAC is checked before anything else is believed, and the counter before anything is accepted.
 */
import { equalCt, toHex } from '../bytes';
import { cmac } from '../crypto/cmac';
import { E_SUN_FORMAT, E_SUN_MAC, E_SUN_REPLAY, fail, ok, type Result } from '../errors';
import type { Aes128, AesDecrypt } from '../ports';
import type { CounterStore } from '../resolver/counters';
import { an10922 } from './an10922';

export interface SunMessage {
  /** e / picc_data: the 16-byte encrypted PICCData. */
  picc: Uint8Array;
  /** c / cmac: the 8-byte truncated SDMMAC. */
  mac: Uint8Array;
  /** The mirrored bytes the MAC covers ([SDMMACInputOffset, SDMMACOffset) of the file): often empty. */
  macInput: Uint8Array;
  /** SDMENCFileData as bytes (hex-decoded), a multiple of 16, or null when not mirrored. */
  encFile: Uint8Array | null;
}

export interface SunData {
  uid: Uint8Array;
  ctr: number;
  fileData: Uint8Array | null;
}

const ZERO = new Uint8Array(16);
/** PICCDataTag: UID mirrored (b7), counter mirrored (b6), UID length 7 (b3..0). */
const PICC_TAG = 0xc7;

function sessionVector(a: number, b: number, uid: Uint8Array, ctr: Uint8Array): Uint8Array {
  const sv = new Uint8Array(16);
  sv[0] = a;
  sv[1] = b;
  sv[2] = 0x00;
  sv[3] = 0x01;
  sv[4] = 0x00;
  sv[5] = 0x80;
  sv.set(uid, 6);
  sv.set(ctr, 13);
  return sv;
}

/** MACt: the odd-indexed bytes of a 16-byte CMAC (NT4H2421Gx §9.1.9). */
export function macTruncate(full: Uint8Array): Uint8Array {
  const t = new Uint8Array(8);
  for (let i = 0; i < 8; i++) t[i] = full[2 * i + 1] as number;
  return t;
}

/** KSesSDMFileReadMAC for a tag and counter (exposed for vectors and diagnostics). */
export function sunMacKey(aes: Aes128, fileKey: Uint8Array, uid: Uint8Array, ctrLe: Uint8Array): Uint8Array {
  return cmac(aes, fileKey, sessionVector(0x3c, 0xc3, uid, ctrLe));
}

/**
 * Decrypts and authenticates one SUN message. `fileKeyFor(uid)` returns K_SDMFileRead for that tag
 * (AN10922-diversified in badgewire, see `an10922FileKeys`). Fails E_SUN_FORMAT on sizes, E_SUN_MAC when
 * PICCData does not decrypt to a well-formed record or the MAC does not match. No counter check here.
 */
export function verifySunMessage(
  aes: AesDecrypt,
  metaRead: Uint8Array,
  fileKeyFor: (uid: Uint8Array) => Uint8Array,
  msg: SunMessage,
): Result<SunData> {
  if (msg.picc.length !== 16) return fail(E_SUN_FORMAT, 0);
  if (msg.mac.length !== 8) return fail(E_SUN_FORMAT, 0);
  if (msg.encFile !== null && (msg.encFile.length === 0 || msg.encFile.length % 16 !== 0))
    return fail(E_SUN_FORMAT, 0);
  const plain = aes.cbcDecrypt(metaRead, ZERO, msg.picc);
  if (plain[0] !== PICC_TAG) return fail(E_SUN_MAC, -1);
  const uid = new Uint8Array(plain.subarray(1, 8));
  const ctrLe = new Uint8Array(plain.subarray(8, 11));
  const ctr = (ctrLe[0] as number) | ((ctrLe[1] as number) << 8) | ((ctrLe[2] as number) << 16);
  const fileKey = fileKeyFor(uid);
  const macKey = sunMacKey(aes, fileKey, uid, ctrLe);
  if (!equalCt(macTruncate(cmac(aes, macKey, msg.macInput)), msg.mac)) return fail(E_SUN_MAC, -1);
  let fileData: Uint8Array | null = null;
  if (msg.encFile !== null) {
    const encKey = cmac(aes, fileKey, sessionVector(0xc3, 0x3c, uid, ctrLe));
    const ivIn = new Uint8Array(16);
    ivIn.set(ctrLe, 0);
    fileData = aes.cbcDecrypt(encKey, aes.ecb(encKey, ivIn), msg.encFile);
  }
  return ok({ uid: uid, ctr: ctr, fileData: fileData });
}

/** K_SDMFileRead per tag: AN10922(master, UID ‖ suffix), suffix = AID ‖ SystemIdentifier (0..24 bytes). */
export function an10922FileKeys(
  aes: Aes128,
  master: Uint8Array,
  suffix: Uint8Array,
): (uid: Uint8Array) => Uint8Array {
  // Checked here, at configuration time: a 7-byte UID plus the suffix must fit AN10922's 31-byte M.
  if (suffix.length > 24) throw new TypeError('an10922FileKeys: AID ‖ SystemIdentifier must be <= 24 bytes');
  if (master.length !== 16) throw new TypeError('an10922FileKeys: master key must be 16 bytes');
  return (uid) => {
    const m = new Uint8Array(uid.length + suffix.length);
    m.set(uid, 0);
    m.set(suffix, uid.length);
    return an10922(aes, master, m);
  };
}

/**
 * The opaque reference the host keeps for a passive tag instead of its UID: the first 8 bytes of
 * CMAC(K_ref, UID), hex. Stable for the event (the counter store needs that), meaningless without K_ref.
 */
export function sunTagRef(aes: Aes128, kRef: Uint8Array, uid: Uint8Array): string {
  return 'sun:' + toHex(cmac(aes, kRef, uid).subarray(0, 8));
}

export interface SunAccepted {
  ref: string;
  ctr: number;
  fileData: Uint8Array | null;
}

/** SUN with replay protection: the 24-bit SDMReadCtr must strictly increase per tag (kept per tag ref). */
export class SunVerifier {
  constructor(
    private readonly aes: AesDecrypt,
    private readonly metaRead: Uint8Array,
    private readonly fileKeyFor: (uid: Uint8Array) => Uint8Array,
    private readonly refOf: (uid: Uint8Array) => string,
    private readonly store: CounterStore,
  ) {}

  verify(msg: SunMessage): Result<SunAccepted> {
    const r = verifySunMessage(this.aes, this.metaRead, this.fileKeyFor, msg);
    if (!r.ok) return r;
    const ref = this.refOf(r.value.uid);
    r.value.uid.fill(0);
    if (r.value.ctr <= this.store.load(ref)) return fail(E_SUN_REPLAY, -1);
    this.store.save(ref, r.value.ctr);
    return ok({ ref: ref, ctr: r.value.ctr, fileData: r.value.fileData });
  }
}
