/**
 * The emulated Espruino console, driven with the exact bytes EspruinoTools sends (espruino.md §6): first
 * in-process on the console port's endpoint, then from a real node-serialport client over a socat pty.
 */
import { crc32 } from 'node:zlib';
import { SerialPort } from 'serialport';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/clock';
import { EspruinoConsole } from '../src/espruino/console';
import { openConsolePty } from '../src/espruino/console-pty';
import { EspruinoDevice } from '../src/espruino/runtime';

const APP = [
  'var count = 0;',
  'function bump(by) {',
  '  count += by;',
  '  return count;',
  '}',
  'setInterval(function () { bump(1); }, 1000);',
  'print("app up " + bump(10));',
].join('\n');

/** EspruinoTools' flash upload: Storage.write in 1024-char chunks (first one with the total size). */
function uploadCommands(name: string, code: string, chunk = 64): string {
  let out = '';
  for (let o = 0; o < code.length; o += chunk) {
    const part = JSON.stringify(code.slice(o, o + chunk));
    out +=
      o === 0
        ? `\x10require("Storage").write(${JSON.stringify(name)},${part},0,${code.length});\n`
        : `\x10require("Storage").write(${JSON.stringify(name)},${part},${o});\n`;
  }
  return out;
}

function setup() {
  const clock = new VirtualClock();
  const dev = new EspruinoDevice({ board: 'puckjs', clock, console: 'Serial1' });
  const con = new EspruinoConsole(dev);
  dev.boot();
  let rx = '';
  dev.serial('Serial1').onData((b) => {
    rx += Buffer.from(b).toString('latin1');
  });
  const send = (s: string): string => {
    rx = '';
    dev.serial('Serial1').write(Buffer.from(s, 'latin1'));
    clock.advance(0);
    return rx;
  };
  return { clock, dev, con, send };
}

describe('Espruino console (in-process)', () => {
  it('executes echo-off lines silently and echoed lines with =value, like the board', () => {
    const { send } = setup();
    expect(send('\x10print(1+1)\n')).toBe('2\r\n>');
    expect(send('1+1\n')).toBe('1+1\r\n=2\r\n>');
    expect(send('"a"+1\r\n')).toBe('"a"+1\r\n="a1"\r\n>');
  });

  it('answers the EspruinoTools board query with process.env', () => {
    const { send } = setup();
    const out = send('\x10print("<","<<",JSON.stringify(process.env),">>",">")\n');
    const env = JSON.parse(/< <<(.*)>> >/.exec(out)?.[1] ?? 'null');
    expect(env).toMatchObject({ BOARD: 'PUCKJS', VERSION: '2v29', STORAGE: 40960 });
  });

  it('takes a multi-line function sent with ESC LF and line-number escapes', () => {
    const { send } = setup();
    send('\x10var n=0;\n\x10\x1b[2dfunction tick(){\x1b\n  n++;\x1b\n}\n');
    expect(send('\x10tick();tick();print(n)\n')).toBe('2\r\n>');
  });

  it('continues a line with open brackets and clears the line on Ctrl-C', () => {
    const { send } = setup();
    expect(send('\x10function f(){\n\x10return 5;}\n\x10print(f())\n')).toBe('>5\r\n>');
    expect(send('garbage(\x03')).toContain('>');
    expect(send('\x10print("clean")\n')).toBe('clean\r\n>');
  });

  it('flashes a file with chunked Storage.write, verifies it with E.CRC32 and load()s it', () => {
    const { clock, dev, send } = setup();
    send(uploadCommands('app.js', APP));
    expect(send('\x10print(E.CRC32(require("Storage").read("app.js")))\n')).toBe(
      `${crc32(Buffer.from(APP))}\r\n>`,
    );
    const out = send('\x10load("app.js")\n');
    expect(out).toContain('espruino.com');
    expect(out).toContain('app up 10');
    clock.advance(3000);
    expect(dev.eval('count').value).toBe(13);
  });

  it('E.setBootCode stores .bootcde and load() runs it, then init fires', () => {
    const { dev, send } = setup();
    send("\x10E.setBootCode(\"var booted = 1; E.on('init', function () { print('init ran'); });\");\n");
    expect(Buffer.from(dev.storage.read('.bootcde')!).toString()).toContain('var booted = 1');
    const out = send('\x10load()\n');
    expect(out).toContain('init ran');
    expect(dev.eval('booted').value).toBe(1);
  });

  it('reset() clears RAM and re-prints the banner; save() survives a power cut', () => {
    const { dev, send } = setup();
    send('\x10var kept = 42;\n');
    expect(send('\x10reset();\n')).toContain('espruino.com');
    expect(send('\x10print(typeof kept)\n')).toBe('undefined\r\n>');
    send('\x10var kept = 7;\n');
    send('\x10save();\n');
    dev.powerCut();
    dev.boot();
    expect(dev.eval('kept').value).toBe(7);
  });
});

function reader(port: SerialPort) {
  let buf = '';
  const waiters: (() => void)[] = [];
  port.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    for (const w of waiters.splice(0)) w();
  });
  return {
    async until(pattern: RegExp | string, timeoutMs = 5000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = typeof pattern === 'string' ? buf.includes(pattern) : pattern.test(buf);
        if (hit) {
          const out = buf;
          buf = '';
          return out;
        }
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${String(pattern)}; got ${JSON.stringify(buf)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200).unref();
        });
      }
    },
  };
}

describe('Espruino console on a real pty (node-serialport client)', () => {
  it('runs commands, takes a multi-line upload and a chunked flash + load()', async () => {
    const clock = new VirtualClock();
    const dev = new EspruinoDevice({ board: 'puckjs', clock, console: 'Serial1' });
    dev.boot();
    const pty = await openConsolePty(dev);
    const port = new SerialPort({ path: pty.hostPath, baudRate: 115200, autoOpen: false });
    try {
      await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
      const r = reader(port);
      port.write('\x10print(1+1)\n');
      expect(await r.until('2\r\n>')).toBe('2\r\n>');
      port.write(
        '\x10var n=0;\n\x10function tick(){\x1b\n  n++;\x1b\n}\n\x10tick();tick();tick();print("n="+n)\n',
      );
      expect(await r.until('n=3')).toContain('n=3');
      port.write(uploadCommands('app.js', APP));
      port.write('\x10load("app.js")\n');
      expect(await r.until('app up 10')).toContain('espruino.com');
      expect(dev.storage.read('app.js')).toEqual(new Uint8Array(Buffer.from(APP)));
    } finally {
      await new Promise<void>((res) => (port.isOpen ? port.close(() => res()) : res()));
      await pty.close();
    }
  });
});
