/** @badgewire/simulator: Espruino-compatible runtime, virtual world, PII audit. */
export {};
