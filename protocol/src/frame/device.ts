/** Barrel for the Espruino-safe part of protocol/src/frame (device entry): all of it is device-safe. */
export * from './ble';
export * from './cobs';
export * from './crc';
export * from './deframer';
export * from './frame';
export * from './lean-deframer';
