/**
 * Espruino's console (REPL) on the byte stream of the device's console port (espruino.md §6), so the same
 * flashing tools that drive a real board can drive a simulated one: `>` prompt, echo (off for a line that
 * starts with DLE 0x10), ESC LF = newline inside a statement, Ctrl-C clears the line, `ESC [ n d` line-number
 * hints are swallowed, a line with unbalanced brackets continues on the next line, and an echoed line prints
 * `=<value>` after it runs. reset()/load() re-print the banner; save() keeps what was typed since reset().
 */
import type { ConsoleHooks, EspruinoDevice } from './runtime';
import { inspect } from './values';

const DLE = 0x10;
const ESC = 0x1b;
const ETX = 0x03;

export const BANNER =
  ' ____                 _\r\n' +
  '|  __|___ ___ ___ _ _|_|___ ___\r\n' +
  '|  __|_ -| . |  _| | | |   | . |\r\n' +
  '|____|___|  _|_| |___|_|_|_|___|\r\n' +
  '         |_| espruino.com\r\n' +
  ' 2v29 (c) 2025 G.Williams (badgewire simulator)\r\n\r\n';

/** True when `src` has open brackets or an unterminated string/template/comment: more lines follow. */
export function incomplete(src: string): boolean {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      const nl = src.indexOf('\n', i);
      if (nl < 0) return false;
      i = nl;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) return true;
      i = end + 1;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') depth--;
  }
  return depth > 0 || quote !== '';
}

export class EspruinoConsole implements ConsoleHooks {
  history: string[] = [];
  private line = '';
  private echoLine = true;
  private atLineStart = true;
  private esc: 'none' | 'esc' | 'csi' = 'none';
  private lastCR = false;

  constructor(private readonly dev: EspruinoDevice) {
    dev.console = this;
  }

  onBoot(kind: 'boot' | 'reset' | 'load'): void {
    if (kind === 'reset' || kind === 'load') this.history = [];
    this.line = '';
    this.atLineStart = true;
    this.dev.consoleWrite(`${BANNER}>`);
  }

  input(bytes: Uint8Array): void {
    for (const b of bytes) {
      if (this.dev.state !== 'running') return;
      this.byte(b);
    }
  }

  private out(text: string): void {
    if (this.echoLine && this.dev.echoOn) this.dev.consoleWrite(text);
  }

  private byte(b: number): void {
    if (this.esc === 'esc') {
      this.esc = b === 0x5b ? 'csi' : 'none';
      if (b === 0x0a || b === 0x0d) {
        // ESC LF: a newline inside the statement, not the end of it.
        this.line += '\n';
        this.out('\r\n:');
      }
      return;
    }
    if (this.esc === 'csi') {
      if (b >= 0x40 && b <= 0x7e) this.esc = 'none';
      return;
    }
    const wasCR = this.lastCR;
    this.lastCR = b === 0x0d;
    if (b === 0x0a && wasCR) return;
    if (b === DLE && this.atLineStart) {
      this.echoLine = false;
      return;
    }
    if (b === ESC) {
      this.esc = 'esc';
      return;
    }
    if (b === ETX) {
      const had = this.line.length > 0;
      this.line = '';
      this.atLineStart = true;
      this.echoLine = true;
      if (had) this.dev.consoleWrite('\r\n>');
      return;
    }
    if (b === 0x0d || b === 0x0a) {
      if (incomplete(this.line)) {
        this.line += '\n';
        this.out('\r\n:');
        return;
      }
      this.execute();
      return;
    }
    if (b === 0x08 || b === 0x7f) {
      if (this.line.length > 0) {
        this.line = this.line.slice(0, -1);
        this.out('\b \b');
      }
      return;
    }
    if (b < 0x20 && b !== 0x09) return;
    this.atLineStart = false;
    this.line += String.fromCharCode(b);
    this.out(String.fromCharCode(b));
  }

  private execute(): void {
    const src = this.line;
    const echo = this.echoLine && this.dev.echoOn;
    this.line = '';
    this.atLineStart = true;
    this.echoLine = true;
    if (echo) this.dev.consoleWrite('\r\n');
    if (src.trim() === '') {
      if (echo) this.dev.consoleWrite('>');
      return;
    }
    this.history.push(src);
    const r = this.dev.eval(src);
    if (this.dev.state !== 'running') return;
    if (echo && r.ok) this.dev.consoleWrite(`=${inspect(r.value, 1)}\r\n`);
    this.dev.consoleWrite('>');
  }
}
