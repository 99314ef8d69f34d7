/**
 * Barrel for the Espruino-safe part of protocol/src/frame (device entry): all of it is device-safe. The
 * device's encodeFrame is the lean one-pass sender (lean-frame.ts: the same bytes as frame.ts's).
 */
export * from './ble';
export * from './cobs';
export * from './crc';
export * from './deframer';
export { decodeFrame } from './frame';
export * from './lean-deframer';
export * from './lean-frame';
