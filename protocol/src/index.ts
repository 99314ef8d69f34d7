/**
 * @badgewire/protocol: the full host entry. Everything in the device entry, plus the host-only pieces:
 * @noble/ciphers AES ports, the cbor-x codec with pinned options, SUN verification and the resolver.
 */
export * from './badge/index';
export * from './cbor/index';
export * from './crypto/fast';
export * from './crypto/noble';
export * from './device';
export * from './frame/index';
export * from './link/index';
export type { AesDecrypt } from './ports';
export * from './resolver/index';
