/**
 * Barrel for protocol/src/frame (host entry). Everything in frame/ is device-safe and reaches the host entry
 * through ../device, so nothing is repeated here.
 */
export {};
