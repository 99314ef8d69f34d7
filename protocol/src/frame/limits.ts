/**
 * Framing limits, in a module that imports nothing and starts with its constants: esbuild inlines such
 * constants into the firmware bundle instead of keeping a variable (a JsVar on Espruino) per constant.
 */

/** The largest payload a frame may carry (SPEC.md, framing). */
export const MAX_FRAME_PAYLOAD = 512;
/** What the Deframer's buffer shrinks back to after a longer frame, bytes. */
export const DEFRAMER_SMALL = 64;
