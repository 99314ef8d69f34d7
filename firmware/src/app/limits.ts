/**
 * Sizes of the reader's queues. This module imports nothing, so esbuild inlines its constants where they are
 * used (a module-level constant elsewhere stays a variable in the bundle, and a JsVar on the board).
 */

/** Events the host link has in flight at once (sent, not yet acknowledged). */
export const LINK_WINDOW = 4;

/** The outbox persists its seq reservation every this many events (one meta write per RESERVE events). */
export const OUTBOX_RESERVE = 128;

/**
 * Sightings the outbox holds in RAM at most: a burst of badges passing the reader arrives faster than one round
 * trip. Each held sighting is ~60 bytes, about 9 JsVars, so a full window borrows ~300 of the pool until
 * acknowledged.
 */
export const OUTBOX_WINDOW = 32;
