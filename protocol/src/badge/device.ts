/**
 * Barrel for the Espruino-safe part of protocol/src/badge (device entry): what badge firmware builds.
 * Decoders, key derivation, SUN and everything that decrypts are host-only (./index).
 */
export { ADV_LENGTH, encodeAdvertisement, HDR_PRESENCE } from './advert';
export { EPH_PREFIX, ephId, ephIdInput, SLOT_SECONDS, slotOf } from './ephid';
export { encodeTap, HDR_TAP_C, HDR_TAP_S, TAP_LENGTH, tapBlock } from './tap';
