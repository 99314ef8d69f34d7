/** Barrel for the Espruino-safe part of protocol/src/link (device entry): the reader role and its layers. */
export * from './handshake';
export * from './keys';
export * from './messages';
export * from './packet';
export * from './reader-channel';
export * from './record';
export * from './responder';
export * from './session';
export * from './step';
