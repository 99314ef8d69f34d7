/** @badgewire/host: the host bridge. */

export * from './transport/index';
