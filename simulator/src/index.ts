/** @badgewire/simulator: Espruino-compatible runtime, virtual world, PII audit. */

export * from './chips/pn532';
export * from './clock';
export * from './espruino/index';
export * from './hci/index';
export * from './links/index';
export * from './random';
