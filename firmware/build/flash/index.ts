/** Flashing and provisioning over the Espruino console (issue #6): serial or BLE, resumable, CRC-verified. */

export { type FlashCommandOptions, type OpenLink, registerFlashCommand, runFlash } from './cli';
export { ConsoleSession, FlashError } from './console-session';
export * from './device-fields';
export { classifyDeviceMessage, describeError, FIXES, type FlashErrorCode } from './errors';
export { chunkCommand, type FlashOptions, type FlashReport, flashBundle, planFlash } from './flash';
export * from './provision';
export * from './verify';
