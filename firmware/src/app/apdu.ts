/**
 * ISO 7816-4 APDUs between a reader and a badge tag (ISO-DEP), shared by the reader and the badge firmware.
 *
 *   SELECT badgewire   00 A4 04 00 06 F0 42 57 54 41 50 00      (proprietary AID: F0 ‖ "BWTAP")
 *   CHALLENGE (mode C) 80 10 00 00 08 chal[8] 21               → tap frame (33, hdr 12) ‖ 90 00
 *   READ (mode S)      80 12 00 00 21                           → tap frame (33, hdr 13) ‖ 90 00
 *
 * and the NFC Forum Type 4 Tag NDEF read (T4T 2.0 §5.4) for passive NTAG 424 DNA badges (mode N, SUN):
 *   SELECT NDEF app    00 A4 04 00 07 D2 76 00 00 85 01 01 00
 *   SELECT NDEF file   00 A4 00 0C 02 E1 04
 *   READ BINARY        00 B0 off_hi off_lo Le
 */
export const INS_CHALLENGE = 0x10;
export const INS_READ = 0x12;
export const TAP_LEN = 33;
export const SW_OK = 0x9000;
export const SW_WRONG_LENGTH = 0x6700;
export const SW_NOT_FOUND = 0x6a82;
export const SW_INS = 0x6d00;
export const SW_CLA = 0x6e00;
export const SW_COND = 0x6985;
/** The largest NDEF message read from a passive tag (a SUN URL is ~100 bytes). */
export const NDEF_MAX = 200;

// Numbers first: esbuild inlines the constants that lead an import-free module (no JsVar each on Espruino).
// Pure, so a bundle that never reads it (the reader) drops it.
export const AID = /* @__PURE__ */ new Uint8Array([0xf0, 0x42, 0x57, 0x54, 0x41, 0x50]);

// The fixed commands as constants for the badge and tests. Pure, so the reader (which sends them as literals
// from taps.ts, keeping them in flash) drops them from its bundle.
export const SELECT_BW = /* @__PURE__ */ new Uint8Array([
  0, 0xa4, 4, 0, 6, 0xf0, 0x42, 0x57, 0x54, 0x41, 0x50, 0,
]);
export const READ_S = /* @__PURE__ */ new Uint8Array([0x80, INS_READ, 0, 0, TAP_LEN]);
export const SELECT_NDEF_APP = /* @__PURE__ */ new Uint8Array([
  0, 0xa4, 4, 0, 7, 0xd2, 0x76, 0, 0, 0x85, 1, 1, 0,
]);
export const SELECT_NDEF_FILE = /* @__PURE__ */ new Uint8Array([0, 0xa4, 0, 0x0c, 2, 0xe1, 0x04]);

export function challengeApdu(chal: Uint8Array): Uint8Array {
  const a = new Uint8Array(14);
  a[0] = 0x80;
  a[1] = INS_CHALLENGE;
  a[4] = 8;
  a.set(chal, 5);
  a[13] = TAP_LEN;
  return a;
}

export function readBinary(off: number, le: number): Uint8Array {
  return new Uint8Array([0, 0xb0, (off >> 8) & 255, off & 255, le]);
}

/** SW1 SW2 of a response as one number, or 0 when too short. */
export function sw(resp: Uint8Array | null): number {
  if (!resp || resp.length < 2) return 0;
  return ((resp[resp.length - 2] as number) << 8) | (resp[resp.length - 1] as number);
}

/** The response data without the status word. */
export function body(resp: Uint8Array): Uint8Array {
  return new Uint8Array(resp.subarray(0, resp.length - 2));
}
