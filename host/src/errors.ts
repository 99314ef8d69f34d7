/**
 * Host-side typed errors (style §2.5, after zwave-js `ZWaveError`): a stable string `code` callers switch on,
 * a message that says what to do next, and a context of opaque facts. Messages and context never carry key
 * bytes, badge serials or PII: everything here may reach a log line, and the log redactor is the second line
 * of defence, not the first.
 */

/** Codes whose cause may clear on its own (disk busy, peer away): retrying the same call can succeed. */
const TRANSIENT = new Set<string>([
  'E_JOURNAL_IO',
  'E_JOURNAL_BUSY',
  'E_BACKUP_IO',
  'E_KEYSTORE_IO',
  'E_KEYSTORE_BUSY',
  'E_READER_IO',
  'E_STATE_IO',
]);

export type ErrorContext = Record<string, string | number | boolean | null | undefined | string[]>;

export class BadgewireError extends Error {
  readonly code: string;
  readonly context: ErrorContext;

  constructor(code: string, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(`${message} [${code}]`, options);
    this.name = 'BadgewireError';
    this.code = code;
    this.context = context;
  }

  isTransient(): boolean {
    return TRANSIENT.has(this.code);
  }
}

export function isBadgewireError(e: unknown, code?: string): e is BadgewireError {
  return e instanceof BadgewireError && (code === undefined || e.code === code);
}

/** True when retrying may succeed: a transient BadgewireError, or SQLite/filesystem "try again" conditions. */
export function isTransient(e: unknown): boolean {
  if (e instanceof BadgewireError) return e.isTransient();
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'EAGAIN' || code === 'EBUSY';
}

/** Every host error code, so tests can push each one through the log redactor. */
export const HOST_ERROR_CODES = [
  'E_JOURNAL_CLOSED',
  'E_JOURNAL_INPUT',
  'E_JOURNAL_PII',
  'E_JOURNAL_IO',
  'E_JOURNAL_BUSY',
  'E_JOURNAL_CORRUPT',
  'E_TENANT_ID',
  'E_REPLAY_INPUT',
  'E_KEYSTORE_EXISTS',
  'E_KEYSTORE_MISSING',
  'E_KEYSTORE_AUTH',
  'E_KEYSTORE_FORMAT',
  'E_KEYSTORE_IO',
  'E_KEYSTORE_BUSY',
  'E_KEYSTORE_SECRET',
  'E_KEY_UNKNOWN',
  'E_KEY_STATE',
  'E_KEY_INPUT',
  'E_EXPORT_FORMAT',
  'E_EXPORT_AUTH',
  'E_BACKUP_IO',
  'E_BACKUP_FORMAT',
  'E_BACKUP_AUTH',
  'E_BACKUP_CORRUPT',
  'E_CONFIG_READ',
  'E_CONFIG_INVALID',
  'E_READER_IO',
  'E_ENGINE_ENROL',
  'E_ENGINE_READER',
  'E_STATE_IO',
  'E_STATE_CORRUPT',
] as const;
