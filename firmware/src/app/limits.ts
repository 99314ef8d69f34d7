/**
 * Sizes and timings of the reader. This module imports nothing, so esbuild inlines its constants where they are
 * used (a module-level constant elsewhere, or a tuning object, stays a variable in the bundle and a JsVar on the
 * board). reader.ts's READER_TUNING lists the timings for the tests and the board code that name them.
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

/** Heartbeat period, ms. */
export const HB_MS = 5000;
/** The host counts as unreachable after this long without an authenticated record, ms. */
export const DEAD_MS = 16000;
/** Unacknowledged events are resent (and held sightings go to flash) after this long without ACK progress, ms. */
export const RTO_MS = 4000;
/** Offline queue capacity (events). */
export const OUTBOX_CAP = 64;
/** Challenges kept; a DECISION must answer a tap at most DECIDE_MS old. */
export const CHAL_POOL = 8;
export const DECIDE_MS = 10000;
/** Free interpreter variables below which the reader counts as unhealthy (no watchdog kick). */
export const MIN_FREE = 150;
/** Watchdog timeout, s. */
export const WDT_S = 30;
/** NFC poll period, ms. */
export const NFC_POLL_MS = 200;
