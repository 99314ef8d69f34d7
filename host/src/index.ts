/** @badgewire/host: the host bridge. */

export * from './access/index';
export { PolicyStore, type StoredEntitlement, type StoredRevocation } from './access/policy-store';
export * from './api/index';
export * from './backup/index';
export { type Bridge, runBridge, type StartOptions, startBridge } from './bridge';
export * from './cli/index';
export * from './config/index';
export * from './engine/index';
export {
  BadgewireError,
  type ErrorContext,
  HOST_ERROR_CODES,
  isBadgewireError,
  isTransient as isTransientHostError,
} from './errors';
export * from './journal/index';
export * from './keys/index';
export {
  createLogger,
  type Logger,
  type LoggerOptions,
  type LogSink,
  redactString,
  redactValue,
  silentLogger,
} from './log/index';
export * from './output/index';
export * from './readers/index';
export { LocalScanReader } from './readers/local-scan';
export { SqliteReaderStore } from './readers/reader-store';
export * from './tls/index';
export * from './transport/index';
