/** Barrel for protocol/src/link (host entry): the host role; the device part comes through ../device. */

export * from './fast-cipher';
export * from './host-channel';
