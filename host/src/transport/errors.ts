/**
 * Typed transport errors. Each carries a stable `code` and, where the user can fix the cause, a `hint` that says
 * how. Messages name only the port path or the adapter: never device payloads, keys or badge identifiers.
 */

/** Why a Link closed: the number passed to `onClose`. */
export const CLOSE_LOCAL = 0; // this end called close()
export const CLOSE_REMOTE = 1; // the peer ended the connection on purpose
export const CLOSE_LOST = 2; // the medium went away (unplug, radio loss, controller gone)
export const CLOSE_IDLE = 3; // nothing arrived for idleTimeoutMs (the heartbeat stopped)

export type TransportErrorCode =
  | 'E_SERIAL_PERMISSION'
  | 'E_SERIAL_BUSY'
  | 'E_SERIAL_MISSING'
  | 'E_SERIAL_OPEN'
  | 'E_BLE_UNAVAILABLE'
  | 'E_BLE_NO_ADAPTER'
  | 'E_BLE_PERMISSION'
  | 'E_BLE_POWERED_OFF'
  | 'E_BLE_CONNECT'
  | 'E_BLE_NO_NUS';

export class TransportError extends Error {
  readonly code: TransportErrorCode;
  /** What the user can do about it, or '' when retrying is all there is. */
  readonly hint: string;
  /** True when the same call may succeed later without a change by the user (device not plugged in yet). */
  readonly transient: boolean;

  constructor(code: TransportErrorCode, message: string, hint: string, transient: boolean) {
    super(hint ? message + ': ' + hint : message);
    this.name = 'TransportError';
    this.code = code;
    this.hint = hint;
    this.transient = transient;
  }
}

export function isTransient(e: unknown): boolean {
  return e instanceof TransportError && e.transient;
}

export const DIALOUT_HINT =
  'add your user to the dialout group: sudo usermod -aG dialout $USER, then log in again';
export const SETCAP_HINT =
  'grant node raw Bluetooth access: sudo setcap cap_net_raw+eip $(eval readlink -f $(which node)), ' +
  'or run the bridge with the CAP_NET_RAW and CAP_NET_ADMIN capabilities';

/**
 * Maps a serialport open failure to a typed error. serialport 13 puts the errno text in the message only
 * ("No such file or directory, cannot open X", "Permission denied, cannot open X",
 * "Resource temporarily unavailable Cannot lock port"), so the message is what we classify.
 */
export function serialOpenError(err: unknown, path: string): TransportError {
  const msg = err instanceof Error ? err.message : String(err);
  const errno = (err as { code?: unknown } | null)?.code;
  if (errno === 'EACCES' || errno === 'EPERM' || /permission denied|operation not permitted/i.test(msg)) {
    return new TransportError('E_SERIAL_PERMISSION', 'no permission to open ' + path, DIALOUT_HINT, false);
  }
  if (errno === 'EBUSY' || /cannot lock port|resource busy|resource temporarily unavailable/i.test(msg)) {
    return new TransportError(
      'E_SERIAL_BUSY',
      path + ' is in use by another program',
      'close the other program (serial monitor, IDE, another bridge) that holds it',
      true,
    );
  }
  if (errno === 'ENOENT' || /no such file|not found|does not exist/i.test(msg)) {
    return new TransportError('E_SERIAL_MISSING', path + ' does not exist', 'plug the reader in', true);
  }
  return new TransportError('E_SERIAL_OPEN', 'cannot open ' + path + ' (' + msg + ')', '', true);
}
