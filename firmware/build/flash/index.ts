/** Serial flashing over the Espruino console (issue #6): resumable, CRC-verified Storage upload of a bundle. */

export { type FlashCommandOptions, type OpenLink, registerFlashCommand, runFlash } from './cli';
export { ConsoleSession, FlashError } from './console-session';
export { type FlashOptions, type FlashReport, flashBundle } from './flash';
