/** Flashing and provisioning over the Espruino console (issue #6): serial or BLE, resumable, CRC-verified. */

export * from './batch';
export * from './ble-target';
export * from './cli';
export * from './cli-device';
export { ConsoleSession, FlashError } from './console-session';
export * from './device-fields';
export { classifyDeviceMessage, describeError, FIXES, type FlashErrorCode } from './errors';
export { chunkCommand, type FlashOptions, type FlashReport, flashBundle, planFlash } from './flash';
export * from './inventory';
export * from './monitor';
export * from './provision';
export * from './verify';
