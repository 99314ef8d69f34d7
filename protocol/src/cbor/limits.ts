/**
 * The CBOR subset's limits, in a module of its own with nothing above them: esbuild inlines such leaf
 * constants into the firmware bundle instead of keeping a variable per constant (one JsVar each on Espruino).
 */

/** Largest input the decoder looks at: one frame payload (SPEC.md, framing). */
export const CBOR_MAX_BYTES = 512;
/** Deepest nesting of arrays and maps; a top-level container is depth 1. */
export const CBOR_MAX_DEPTH = 8;
/** Most items in one array or pairs in one map. */
export const CBOR_MAX_ITEMS = 255;
/** What the head reader returns for an argument of 2^32 or more (an 8-byte head with a non-zero high word). */
export const BIG = -2;
