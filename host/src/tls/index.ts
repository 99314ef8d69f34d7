/** The bridge's TLS policy and certificate. */

export * from './cert';
export * from './policy';
