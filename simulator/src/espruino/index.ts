/** The Espruino-compatible runtime: run a firmware bundle unmodified on a simulated board. */
export { BOARDS, type BoardName, type BoardProfile } from '../../../firmware/build/subset-budget';
export type { AuditRoot, AuditRoots } from './audit-roots';
export { BANNER, EspruinoConsole } from './console';
export { type ConsolePty, openConsolePty } from './console-pty';
export { VirtualFlash } from './flash';
export type { I2cDevice, PinEvent, PinRef } from './hardware';
export type { Advertisement as EspruinoAdvertisement, AdvertisingState, RadioHooks } from './nrf';
export { buildAd, parseAd } from './nrf';
export type { ConsoleHooks, DeviceError, EspruinoDeviceOptions, SerialName } from './runtime';
export { EspruinoDevice, EspruinoError } from './runtime';
export type { SerialEndpoint } from './serial';
export { FlashStorage } from './storage';
