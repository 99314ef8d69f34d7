/** @badgewire/host: the host bridge. */
export {};
