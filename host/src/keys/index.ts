/** Host key management: the sealed key store, badge-key exports and the AEAD they share. */
export { open as aeadOpen, seal as aeadSeal } from './aead';
export type { BadgeExport, ExportOptions } from './badge-export';
export { BADGE_SERIAL, exportBadgeKeys, openBadgeExport, serialBytes } from './badge-export';
export type { IssueRecord, KeyKind, KeyState, KeyStoreOptions, KeySummary } from './key-store';
export { fingerprint, KeyStore } from './key-store';
export type { ScryptParams, Secret } from './sealed-file';
export { SCRYPT_DEFAULT, writeFileAtomic } from './sealed-file';
export type { KeyStoreLocation } from './unlock';
export { openKeyStoreAt, readSecretFile, secretFromEnv } from './unlock';
