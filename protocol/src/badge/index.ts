/** Barrel for protocol/src/badge (host entry): the device builders plus decoders, keys and SUN. */
export { type Advertisement, decodeAdvertisement } from './advert';
export { an10922 } from './an10922';
export * from './device';
export { type BadgeKeys, deriveBadgeKeys, deriveSunKeys, type SunEventKeys } from './keys';
export {
  an10922FileKeys,
  macTruncate,
  type SunAccepted,
  type SunData,
  type SunMessage,
  SunVerifier,
  sunMacKey,
  sunTagRef,
  verifySunMessage,
} from './sun';
export { parseSunUrl, SUN_DEFAULT_LAYOUT, type SunUrlLayout } from './sun-url';
export { decodeTap, type TapFrame } from './tap';
