/**
 * A request/response session on an Espruino console (REPL) over any `Link` (a SerialLink on USB-serial in the
 * field, a pty in tests). Each command is sent as one echo-off line (DLE 0x10 first, so the board does not echo
 * it) that prints its result behind a marker built at run time ("@@" + n), so neither an echo nor the banner
 * nor application output can be mistaken for the answer.
 */
import type { Link } from '@badgewire/protocol';
import { classifyDeviceMessage, FlashError } from './errors';

export { FlashError };

const DLE = '\x10';
const XON = 0x11;
const XOFF = 0x13;
/** Espruino pauses a sender for at most this long after XOFF (espruino.md section 6). */
const XOFF_MAX_MS = 10_000;

export interface SessionOptions {
  /** 'ble' turns a dropped link into E_FLASH_BLE_DISCONNECT (its fix differs from a pulled cable). */
  transport?: 'serial' | 'ble';
}

export class ConsoleSession {
  private text = '';
  private seq = 0;
  private waiter: (() => void) | undefined;
  private dead = false;
  private pausedAt = 0;
  private readonly lostCode: 'E_FLASH_LINK' | 'E_FLASH_BLE_DISCONNECT';

  constructor(
    private readonly link: Link,
    opts: SessionOptions = {},
  ) {
    this.lostCode = opts.transport === 'ble' ? 'E_FLASH_BLE_DISCONNECT' : 'E_FLASH_LINK';
    link.onData((chunk) => {
      // Flow control: Espruino sends XOFF when its input buffer fills (on by default over Bluetooth).
      const on = chunk.lastIndexOf(XON);
      const off = chunk.lastIndexOf(XOFF);
      if (off > on) this.pausedAt = Date.now();
      else if (on > off) this.pausedAt = 0;
      // The console speaks latin1 text; keep the tail bounded (only recent output can hold the answer).
      this.text += Buffer.from(chunk).toString('latin1');
      if (this.text.length > 1 << 20) this.text = this.text.slice(-(1 << 16));
      this.waiter?.();
    });
    link.onClose(() => {
      this.dead = true;
      this.waiter?.();
    });
  }

  /** Sends raw text, retrying while the link is busy; fails if it is dead. */
  async sendRaw(s: string, timeoutMs: number): Promise<void> {
    const bytes = new Uint8Array(Buffer.from(s, 'latin1'));
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (this.dead) throw new FlashError(this.lostCode, 'the connection to the board closed');
      if (this.pausedAt && Date.now() - this.pausedAt < XOFF_MAX_MS) {
        await new Promise((r2) => setTimeout(r2, 5));
        continue;
      }
      const r = this.link.write(bytes);
      if (r === bytes.length) return;
      if (r < 0) throw new FlashError(this.lostCode, 'the connection to the board closed');
      if (Date.now() > end) throw new FlashError('E_FLASH_TIMEOUT', 'the console link stayed busy');
      await new Promise((r2) => setTimeout(r2, 5));
    }
  }

  /** Waits until `re` matches the output received since the last match; consumes through the match. */
  expect(re: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(
          new FlashError(
            'E_FLASH_TIMEOUT',
            'no answer from the board for ' + what + ' in ' + timeoutMs + ' ms',
          ),
        );
      }, timeoutMs);
      const check = () => {
        const m = re.exec(this.text);
        if (m) {
          clearTimeout(timer);
          this.waiter = undefined;
          this.text = this.text.slice(m.index + m[0].length);
          resolve(m);
        } else if (this.dead) {
          clearTimeout(timer);
          this.waiter = undefined;
          reject(new FlashError(this.lostCode, 'the connection to the board closed during ' + what));
        }
      };
      this.waiter = check;
      check();
    });
  }

  /**
   * Runs `expr` on the board and returns what it evaluated to, as a string. An exception on the board becomes
   * E_FLASH_DEVICE with the board's message.
   */
  async eval(expr: string, timeoutMs: number, what: string): Promise<string> {
    const n = ++this.seq;
    const line = `try{print("@@"+${n}+":"+(${expr}))}catch(e){print("@@"+${n}+"!"+e)}`;
    await this.sendRaw(DLE + line + '\n', timeoutMs);
    const m = await this.expect(new RegExp(`@@${n}([:!])([^\\r\\n]*)\\r?\\n`), timeoutMs, what);
    if (m[1] === '!') {
      const msg = m[2] ?? '';
      throw new FlashError(classifyDeviceMessage(msg), what + ' failed on the board: ' + msg);
    }
    return m[2] ?? '';
  }

  /**
   * Reaches a clean prompt whatever state the console was in: Ctrl-C clears a half-typed line, then a probe
   * command must answer.
   */
  async sync(timeoutMs: number): Promise<void> {
    // Two rounds, like EspruinoTools: a first Ctrl-C may only end a running command or a half-typed line.
    const each = Math.max(500, Math.floor(timeoutMs / 2));
    for (let attempt = 0; ; attempt++) {
      await this.sendRaw('\x03', timeoutMs);
      try {
        const v = await this.eval('"B"+"W"', each, 'the prompt');
        if (v === 'BW') return;
      } catch (e) {
        if ((e as FlashError).code !== 'E_FLASH_TIMEOUT') throw e;
      }
      if (attempt >= 1)
        throw new FlashError('E_FLASH_NO_PROMPT', 'no Espruino prompt on the console in ' + 2 * each + ' ms');
    }
  }
}
