/**
 * A request/response session on an Espruino console (REPL) over any `Link` (a SerialLink on USB-serial in the
 * field, a pty in tests). Each command is sent as one echo-off line (DLE 0x10 first, so the board does not echo
 * it) that prints its result behind a marker built at run time ("@@" + n), so neither an echo nor the banner
 * nor application output can be mistaken for the answer.
 */
import type { Link } from '@badgewire/protocol';

export class FlashError extends Error {
  constructor(
    readonly code: 'E_FLASH_TIMEOUT' | 'E_FLASH_DEVICE' | 'E_FLASH_VERIFY' | 'E_FLASH_LINK',
    message: string,
  ) {
    super(message);
    this.name = 'FlashError';
  }
}

const DLE = '\x10';

export class ConsoleSession {
  private text = '';
  private seq = 0;
  private waiter: (() => void) | undefined;
  private dead = false;

  constructor(private readonly link: Link) {
    link.onData((chunk) => {
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
      const r = this.link.write(bytes);
      if (r === bytes.length) return;
      if (r < 0) throw new FlashError('E_FLASH_LINK', 'the console link closed');
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
          reject(new FlashError('E_FLASH_LINK', 'the console link closed during ' + what));
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
    if (m[1] === '!') throw new FlashError('E_FLASH_DEVICE', what + ' failed on the board: ' + m[2]);
    return m[2] ?? '';
  }

  /**
   * Reaches a clean prompt whatever state the console was in: Ctrl-C clears a half-typed line, then a probe
   * command must answer.
   */
  async sync(timeoutMs: number): Promise<void> {
    await this.sendRaw('\x03', timeoutMs);
    const v = await this.eval('"B"+"W"', timeoutMs, 'the prompt');
    if (v !== 'BW') throw new FlashError('E_FLASH_DEVICE', 'unexpected console answer while syncing');
  }
}
