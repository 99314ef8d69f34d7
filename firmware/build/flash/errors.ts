/**
 * Typed errors of the flashing and provisioning tools. Each code carries the fix a hardware engineer can apply
 * at the bench, because "timeout" alone sends people to the forums. Messages name ports, files and chunk
 * numbers only: never key material or anything read from a device's identity records.
 */

export type FlashErrorCode =
  | 'E_FLASH_TIMEOUT'
  | 'E_FLASH_DEVICE'
  | 'E_FLASH_VERIFY'
  | 'E_FLASH_LINK'
  | 'E_FLASH_NO_PROMPT'
  | 'E_FLASH_FULL'
  | 'E_FLASH_WRONG_BOARD'
  | 'E_FLASH_BLE_DISCONNECT'
  | 'E_FLASH_USAGE'
  | 'E_PROVISION_FIELD'
  | 'E_PROVISION_KEYED'
  | 'E_VERIFY_MISMATCH';

export class FlashError extends Error {
  constructor(
    readonly code: FlashErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FlashError';
  }
}

/** What to do about each failure (flash codes and the host transport codes the openers throw). */
export const FIXES: Record<string, string> = {
  E_FLASH_TIMEOUT: 'the board stopped answering: check the cable, then rerun the same command (it resumes)',
  E_FLASH_LINK: 'the connection dropped: reconnect and rerun the same command; verified chunks are kept',
  E_FLASH_BLE_DISCONNECT:
    'the BLE connection dropped: move the board closer to the adapter (or use USB) and rerun the same command; ' +
    'verified chunks are kept',
  E_FLASH_NO_PROMPT:
    'no Espruino prompt: check the baud rate (--baud, Espruino boards use 115200), that this port is the ' +
    'board and not another USB-serial gadget, and that the board is not in bootloader/DFU mode (Puck.js: ' +
    'LED pulsing after a reset with the button held; power-cycle it without holding the button). A board ' +
    'running a provisioned reader has handed its console to the host link: power it up with BTN1 held to ' +
    'skip the boot code',
  E_FLASH_FULL:
    'not enough Storage on the board: remove files you do not need (e.g. require("Storage").eraseAll() ' +
    'wipes everything, provisioning included) or build for the board that has the flash',
  E_FLASH_VERIFY:
    'the data on the board does not match what was sent: rerun the command; if it repeats, the flash ' +
    'may be worn: try require("Storage").compact() or another board',
  E_FLASH_WRONG_BOARD:
    'this bundle was built for another board: build it with --board <the board> and flash that',
  E_FLASH_DEVICE: 'the board reported an error: read the message; a reset (power-cycle) often clears it',
  E_FLASH_USAGE: 'see badgewire firmware --help',
  E_PROVISION_FIELD: 'only the fields in docs/flashing.md ("What a device may hold") can be provisioned',
  E_PROVISION_KEYED:
    'this reader already proved a key on the link: rotate it from the bridge (REKEY), or revoke it with ' +
    '`badgewire keys revoke <id>` before provisioning again',
  E_VERIFY_MISMATCH: 'reflash/reprovision the device, or check that you are using the right key store',
  E_SERIAL_PERMISSION: 'sudo usermod -aG dialout $USER, then log out and in again',
  E_SERIAL_BUSY: 'close the other program (serial monitor, IDE, a running bridge) that holds the port',
  E_SERIAL_MISSING: 'plug the board in, or pick the port from `badgewire firmware list`',
  E_BLE_NO_ADAPTER: 'plug in a Bluetooth adapter (or set the HCI UART), then run `badgewire firmware doctor`',
  E_BLE_PERMISSION: 'sudo setcap cap_net_raw+eip $(eval readlink -f $(which node))',
  E_BLE_POWERED_OFF: 'rfkill unblock bluetooth; bluetoothctl power on',
  E_BLE_CONNECT: 'the board is out of range or connected to something else (a phone, the IDE): disconnect it',
  E_BLE_NO_NUS: 'this BLE device has no Nordic UART Service: it is not an Espruino board',
};

/** One line for the terminal: code, message and the fix (transport errors already carry their own hint). */
export function describeError(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  const msg = e instanceof Error ? e.message : String(e);
  if (typeof code !== 'string') return msg;
  const hint = (e as { hint?: unknown }).hint;
  const fix = typeof hint === 'string' && hint ? '' : FIXES[code];
  return `${code}: ${msg}${fix ? `\n  fix: ${fix}` : ''}`;
}

/** The code for a board-side Storage error message, so "out of flash" reads as such and not as a generic failure. */
export function classifyDeviceMessage(msg: string): FlashErrorCode {
  return /not enough (free )?space|storage.*full|out of (flash|space)|no space/i.test(msg)
    ? 'E_FLASH_FULL'
    : 'E_FLASH_DEVICE';
}
