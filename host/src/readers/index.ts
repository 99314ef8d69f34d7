/** Reader sessions and the reader hub (registry, provisioning states, supervision, challenges, decisions). */
export * from './hub';
export * from './keyring';
export * from './reader-session';
