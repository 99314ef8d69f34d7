/** @badgewire/simulator: Espruino-compatible runtime, virtual world, PII audit. */

export * from './clock';
export * from './espruino/index';
export * from './hci/index';
export * from './links/index';
export * from './random';
