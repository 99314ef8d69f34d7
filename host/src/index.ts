/** @badgewire/host: the host bridge. */

export * from './api/index';
export * from './output/index';
export * from './tls/index';
export * from './transport/index';
