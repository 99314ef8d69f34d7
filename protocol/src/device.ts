/**
 * @badgewire/protocol/device: the Espruino-safe entry. Everything reachable from here compiles with
 * `lib: ES2015, types: []` (protocol/tsconfig.device.json) and bundles into firmware with esbuild at es2015:
 * no Node, no Buffer, no cbor-x, no @noble, no BigInt/Map/Set, no destructuring/spread/default parameters.
 */
export * from './badge/device';
export * from './bytes';
export * from './cbor/device';
export * from './crypto/cmac';
export * from './crypto/ctr';
export * from './crypto/kdf';
export * from './errors';
export * from './frame/device';
export * from './link/device';
export type { Aes128, Clock, Link, Random } from './ports';
