/** Barrel for the Espruino-safe part of protocol/src/cbor (device entry). */

export * from './lean';
export * from './mini';
export * from './utf8';
