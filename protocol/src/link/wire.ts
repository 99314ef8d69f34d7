/**
 * BW-SC wire constants (spec 30-secure-channel §2), re-exported by packet.ts. They live in a module that imports
 * nothing and starts with them: esbuild then inlines them into the firmware bundle instead of keeping one
 * variable (a JsVar on Espruino) per constant.
 */

export const P_HELLO = 1;
export const P_AUTH = 2;
export const P_CONFIRM = 3;
export const P_RECORD = 4;
export const P_ALERT = 5;

/** Direction bit values; also the first byte of the record IV. */
export const DIR_H2R = 0;
export const DIR_R2H = 1;

/** The handshake layout is frozen at 1 whatever record version is negotiated, so any peer can parse HELLO. */
export const HS_VERSION = 1;
/** Record versions this implementation speaks. */
export const MIN_VERSION = 1;
export const MAX_VERSION = 1;

export const HDR_LEN = 6;
export const TAG_LEN = 8;
export const NONCE_LEN = 16;
export const READER_ID_LEN = 8;
export const KEY_LEN = 32;
/** A packet is one frame payload (at most 512 bytes); bounds every buffer before any crypto runs. */
export const MAX_PACKET = 512;
/** Largest record body: MAX_PACKET minus header and tag. */
export const MAX_BODY = MAX_PACKET - HDR_LEN - TAG_LEN;
