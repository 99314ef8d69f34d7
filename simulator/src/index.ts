/** @badgewire/simulator: Espruino-compatible runtime, virtual world, PII audit. */

export * from './links/index';
export * from './hci/index';
