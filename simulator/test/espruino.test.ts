/**
 * The Espruino-compatible runtime driven through its device API with small hand-written bundles: virtual
 * time, Storage across power cuts, crypto quirks against @noble/ciphers, missing globals, memory budget,
 * subset gate, watchdog, pins, serial, radio and I2C.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { cbc, ctr, ecb } from '@noble/ciphers/aes.js';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/clock';
import { EspruinoDevice, type EspruinoError } from '../src/espruino/runtime';

function device(board: 'puckjs' | 'mdbt42q' | 'esp32' = 'puckjs', guardMs?: number) {
  const clock = new VirtualClock();
  const dev = new EspruinoDevice({ board, clock, seed: 7, guardMs });
  return { clock, dev };
}

function run(code: string, opts: { board?: 'puckjs' | 'mdbt42q' | 'esp32'; ignore?: string[] } = {}) {
  const d = device(opts.board);
  d.dev.install(code, { ignoreRules: opts.ignore });
  d.dev.boot();
  return d;
}

const lines = (dev: EspruinoDevice): string[] => dev.consoleOutput.split('\r\n').filter((l) => l !== '');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('timers on the virtual clock', () => {
  it('fires nothing until time is advanced, then in due order; intervals repeat until cleared', () => {
    const { clock, dev } = run(`
      var i = 0;
      setTimeout(function () { print("t300"); }, 300);
      setTimeout(function (a, b) { print("t100 " + a + b); }, 100, "x", "y");
      var iv = setInterval(function () { i++; print("iv" + i); if (i === 3) clearInterval(iv); }, 250);
    `);
    expect(lines(dev)).toEqual([]);
    clock.advance(99);
    expect(lines(dev)).toEqual([]);
    clock.advance(2000);
    expect(lines(dev)).toEqual(['t100 xy', 'iv1', 't300', 'iv2', 'iv3']);
    expect(clock.now()).toBe(2099);
  });

  it('clearTimeout() with no argument stops every timer and interval, as on Espruino', () => {
    const { clock, dev } = run(`
      setInterval(function () { print("iv"); }, 100);
      setTimeout(function () { print("t"); }, 300);
      setTimeout(function () { clearTimeout(); }, 150);
    `);
    clock.advance(1000);
    expect(lines(dev)).toEqual(['iv']);
  });

  it('getTime() is the virtual epoch in seconds', () => {
    const { clock, dev } = run('setTimeout(function () { print(getTime()); }, 1500);');
    const t0 = clock.epoch();
    clock.advance(1500);
    expect(Number(lines(dev)[0])).toBeCloseTo(t0 + 1.5, 6);
  });
});

describe('Storage on the virtual flash', () => {
  it('persists files across a power cut, RAM does not survive, and bytes are visible in flash', () => {
    const { dev } = run(`
      var s = require("Storage");
      var st = s.readJSON("state.json", true) || { boots: 0 };
      st.boots++;
      s.writeJSON("state.json", st);
      var ram = (typeof ramOnly === "undefined") ? "fresh" : "kept";
      var ramOnly = 1;
      print("boots=" + st.boots + " " + ram);
    `);
    dev.powerCut();
    dev.boot();
    expect(lines(dev)).toEqual(['boots=1 fresh', 'boots=2 fresh']);
    const flash = Buffer.from(dev.flash.dump()).toString('latin1');
    expect(flash).toContain('state.json');
    expect(flash).toContain('{"boots":2}');
  });

  it('chunked writes, offsets, list, erase, getFree and compact behave like jsflash', () => {
    const { dev } = run(`
      var s = require("Storage");
      s.write("f", "hello", 0, 10);
      s.write("f", "world", 5);
      print(s.read("f"), s.read("f", 3, 4), s.list().join(","));
      var free = s.getFree();
      s.write("g", new Uint8Array([0, 255, 16]));
      print(JSON.stringify(new Uint8Array(s.readArrayBuffer("g"))));
      s.erase("f");
      print(s.getStats().trashCount, s.list().join(","));
      s.compact();
      print(s.getStats().trashCount, s.getFree() > free);
      try { s.write("a_name_that_is_longer_than_28_chars", "x"); } catch (e) { print("long name refused"); }
    `);
    expect(lines(dev)).toEqual([
      'helloworld lowo .bootcde,f',
      '[0,255,16]',
      '1 .bootcde,g',
      '0 true',
      'long name refused',
    ]);
  });

  it('refuses a file larger than the board Storage (40 KB on a Puck.js)', () => {
    const { dev } = device('puckjs');
    expect(() => dev.install(`var big = "${'x'.repeat(41 * 1024)}";`)).toThrow(/not enough free space/);
  });
});

describe('crypto quirks (compared with @noble/ciphers and node:crypto)', () => {
  const KEY = '000102030405060708090a0b0c0d0e0f';
  const bundle = (body: string) => `
    var c = require("crypto");
    var key = new Uint8Array([0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]);
    function h(ab) { var u = new Uint8Array(ab), s = ""; for (var i = 0; i < u.length; i++) s += (u[i] < 16 ? "0" : "") + u[i].toString(16); return s; }
    var msg = new Uint8Array(32); for (var i = 0; i < 32; i++) msg[i] = i * 7;
    ${body}`;
  const key = Buffer.from(KEY, 'hex');
  const msg = new Uint8Array(32).map((_, i) => i * 7);

  it('CTR ignores the IV; CBC/ECB match noble without padding; CFB is CFB-8', () => {
    const { dev } = run(
      bundle(`
      var iv = new Uint8Array(16); iv[15] = 5;
      print(h(c.AES.encrypt(msg, key, { mode: "CTR", iv: iv })));
      print(h(c.AES.encrypt(msg, key, { mode: "CBC", iv: iv })));
      print(h(c.AES.encrypt(msg, key, { mode: "ECB" })));
      print(h(c.AES.encrypt(new Uint8Array(msg.buffer, 0, 20), key, { mode: "ECB" })));
      print(h(c.AES.encrypt(msg, key, { mode: "CFB", iv: iv })));
      print(h(c.AES.decrypt(c.AES.encrypt(msg, key, { mode: "CFB", iv: iv }), key, { mode: "CFB", iv: iv })));
    `),
    );
    const iv = new Uint8Array(16);
    iv[15] = 5;
    const out = lines(dev);
    expect(out[0]).toBe(hex(ctr(key, new Uint8Array(16)).encrypt(msg)));
    expect(out[0]).not.toBe(hex(ctr(key, iv).encrypt(msg)));
    expect(out[1]).toBe(hex(cbc(key, iv, { disablePadding: true }).encrypt(msg)));
    expect(out[2]).toBe(hex(ecb(key, { disablePadding: true }).encrypt(msg)));
    expect(out[3]).toBe(hex(ecb(key, { disablePadding: true }).encrypt(msg.subarray(0, 16))) + '00000000');
    const cfb8 = createCipheriv('aes-128-cfb8', key, iv);
    expect(out[4]).toBe(hex(Buffer.concat([cfb8.update(msg), cfb8.final()])));
    expect(out[5]).toBe(hex(msg));
  });

  it('errors print ERROR: and return undefined instead of throwing', () => {
    const { dev } = run(
      bundle(`
      print(c.AES.encrypt(new Uint8Array(20), key));
      print(c.AES.encrypt(msg, key, { mode: "OFB" }));
      print(c.AES.encrypt(msg, new Uint8Array(15)));
      print("still running");
    `),
    );
    expect(lines(dev)).toEqual([
      'ERROR: Invalid input length',
      'undefined',
      'ERROR: Feature unavailable',
      'undefined',
      'ERROR: Unknown error: -0x20',
      'undefined',
      'still running',
    ]);
    expect(dev.errors).toEqual([]);
    // Error reports never carry the key or the data.
    expect(dev.consoleOutput).not.toContain('0,1,2,3,4,5');
    expect(dev.consoleOutput.toLowerCase()).not.toContain('000102030405');
  });

  it('hashes return ArrayBuffers; MDBT42Q has SHA but no AES', () => {
    const { dev } = run(bundle('print(h(c.SHA256("abc")), h(c.SHA1("abc")), typeof c.AES);'), {
      board: 'mdbt42q',
    });
    expect(lines(dev)[0]).toBe(
      `${createHash('sha256').update('abc').digest('hex')} ${createHash('sha1').update('abc').digest('hex')} undefined`,
    );
  });
});

describe('failing loudly', () => {
  it('names a global the runtime does not provide, as Espruino does', () => {
    const { clock, dev } = run('setTimeout(function () { var m = new Map(); }, 10);', {
      ignore: ['forbidden-global'],
    });
    clock.advance(10);
    expect(dev.missingGlobals).toEqual(['Map']);
    expect(dev.errors[0]?.message).toBe('ReferenceError: "Map" is not defined');
    expect(dev.consoleOutput).toContain('Uncaught ReferenceError: "Map" is not defined');
    expect(() => dev.assertHealthy()).toThrow(/"Map" is not defined/);
  });

  it('throws from boot() when the boot code fails at top level', () => {
    const { dev } = device();
    dev.install('var x = 1; notProvided.call();');
    expect(() => dev.boot()).toThrow(
      /boot code failed on puckjs: ReferenceError: "notProvided" is not defined/,
    );
  });

  it('refuses a subset violation before running anything, with rule, line and column', () => {
    const { dev } = device();
    let err: EspruinoError | undefined;
    try {
      dev.install('var a = 1;\nvar o = { b: 2 };\nvar { b } = o;\n');
    } catch (e) {
      err = e as EspruinoError;
    }
    expect(err?.code).toBe('SUBSET');
    expect(err?.message).toMatch(/destructuring at 3:5/);
    expect(dev.storage.list()).toEqual([]);
  });

  it('stops with OUT OF MEMORY naming the board and count when the var budget is exceeded', () => {
    const { dev } = device('puckjs');
    dev.install('var a = []; for (var i = 0; i < 1500; i++) a.push(i + 0.5);');
    expect(() => dev.boot()).toThrow(/OUT OF MEMORY on puckjs: ~\d+ JsVars needed, 2630 available/);
    expect(dev.state).toBe('halted');
    const big = device('esp32');
    big.dev.install('var a = []; for (var i = 0; i < 1500; i++) a.push(i + 0.5);');
    big.dev.boot();
    expect(big.dev.state).toBe('running');
  });

  it('interrupts an endless loop with the wall-clock guard instead of hanging', () => {
    const { dev } = device('puckjs', 400);
    dev.install('setTimeout(function () { for (;;) {} }, 5);');
    dev.boot();
    dev.clock.advance(10);
    expect(dev.errors[0]?.message).toMatch(/Execution Interrupted/);
  });
});

describe('quirks firmware can trip on', () => {
  it('reproduces the built-in gaps of the interpreter', () => {
    const { dev } = run(
      `
      var u = new Uint8Array([1, 2, 3]);
      print(Array.isArray(u.slice(1)), JSON.stringify(u), typeof Array.from, typeof Map, typeof Set, typeof Symbol);
      print(typeof RangeError, typeof TextEncoder, typeof Math.imul, typeof Math.trunc, typeof Reflect, typeof Proxy);
      print(new Error("m").name, String(new Error("m")), String(new TypeError("t")));
      print(Math.pow(2, 31), Math.pow(2, 8));
      var a = []; for (var i = 0; i < 300; i++) a.push(65);
      try { String.fromCharCode.apply(null, a); } catch (e) { print(e.message); }
      print(E.toString(new Uint8Array([104, 105])), E.CRC32("hello"), btoa("\\x00\\xff"));
    `,
      { ignore: ['math-pow', 'array-from', 'forbidden-global'] },
    );
    expect(lines(dev)).toEqual([
      'true [1,2,3] undefined undefined undefined undefined',
      'undefined undefined undefined undefined undefined undefined',
      'undefined Error: m TypeError: t',
      '2147483648.000002 256',
      'Array passed to Function.apply is too big! Maximum 256 arguments, got 300',
      'hi 907060870 AP8=',
    ]);
  });
});

describe('memory estimate', () => {
  it('grows monotonically with allocations and is reported by process.memory()', () => {
    const { clock, dev } = run(`
      var keep = [];
      function grow(n) { for (var i = 0; i < n; i++) keep.push({ id: i, label: "item number " + i }); }
      var m0 = process.memory().usage;
    `);
    const seen = [dev.memoryUsage().usage];
    for (let k = 0; k < 4; k++) {
      dev.eval('grow(20)');
      seen.push(dev.memoryUsage().usage);
    }
    for (let k = 1; k < seen.length; k++) expect(seen[k]).toBeGreaterThan(seen[k - 1] as number);
    // Firmware sees a fresh estimate at most once per virtual minute (a walk is expensive).
    expect(dev.eval('process.memory().usage === m0').value).toBe(true);
    clock.advance(60_000);
    expect(dev.eval('process.memory().usage > m0 && process.memory().total === 2630').value).toBe(true);
    expect(
      dev.eval(
        'E.getSizeOf(new Uint8Array(90)) < E.getSizeOf([1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30])',
      ).value,
    ).toBe(true);
  });

  it('sees state held only in closures (esbuild iife bundles keep everything there)', () => {
    const small = run('(function () { var s = "x"; setInterval(function () { s = s; }, 1000); })();').dev;
    const big = run(
      '(function () { var s = []; for (var i = 0; i < 200; i++) s.push("state " + i); setInterval(function () { s = s; }, 1000); })();',
    ).dev;
    // 200 array slots (a name var each) holding 200 short strings (a var each).
    expect(big.memoryUsage().usage - small.memoryUsage().usage).toBeGreaterThanOrEqual(400);
  });
});

describe('watchdog, pins, serial, radio, I2C', () => {
  it('reboots in virtual time when the watchdog is not kicked', () => {
    const { clock, dev } = run(`
      var s = require("Storage");
      var b = (s.readJSON("b", true) || 0) + 1; s.writeJSON("b", b);
      E.enableWatchdog(2, false);
      var kicks = 0;
      var iv = setInterval(function () { if (kicks++ < 3) E.kickWatchdog(); }, 1000);
    `);
    clock.advance(4500);
    expect(dev.resets).toEqual([]);
    clock.advance(1000);
    expect(dev.resets).toEqual([{ at: 5000, reason: 'watchdog' }]);
    expect(dev.storage.read('b')).toEqual(new Uint8Array([0x32]));
  });

  it('records a timestamped trace of digitalPulse (queued pulses) and digitalWrite', () => {
    const { clock, dev } = run(`
      setTimeout(function () { digitalPulse(D26, 1, 250); digitalPulse(D26, 1, [100, 50, 100]); LED2.write(1); }, 1000);
    `);
    clock.advance(2000);
    expect(dev.pins.history('D26').map((e) => [e.t, e.value])).toEqual([
      [1000, 1],
      [1250, 0],
      [1250, 1],
      [1350, 0],
      [1400, 1],
      [1500, 0],
    ]);
    expect(dev.pins.level('LED2')).toBe(1);
  });

  it('fires setWatch when the simulator drives an input pin', () => {
    const { clock, dev } = run(
      'setWatch(function (e) { print("btn " + e.state); }, BTN1, { repeat: true, edge: "rising", debounce: 20 });',
    );
    dev.pins.set('BTN1', 1, clock.now());
    clock.advance(30);
    dev.pins.set('BTN1', 0, clock.now());
    clock.advance(30);
    expect(lines(dev)).toEqual(['btn true']);
  });

  it('round-trips binary bytes through Serial1 (strings of char codes 0-255)', () => {
    const { clock, dev } = run(`
      Serial1.setup(115200);
      Serial1.on("data", function (d) { var o = ""; for (var i = 0; i < d.length; i++) o += String.fromCharCode(d.charCodeAt(i) ^ 0xff); Serial1.write(o); });
    `);
    const got: number[] = [];
    dev.serial('Serial1').onData((b) => got.push(...b));
    dev.serial('Serial1').write(new Uint8Array([0x00, 0x04, 0x10, 0x01, 0xff, 0x03, 0x7f]));
    expect(got).toEqual([]);
    clock.advance(0);
    expect(got).toEqual([0xff, 0xfb, 0xef, 0xfe, 0x00, 0xfc, 0x80]);
  });

  it('delivers filtered advertisements with manufacturerData as ArrayBuffer and records what is advertised', () => {
    const { dev } = run(`
      NRF.setScan(function (d) {
        print(d.id, d.rssi, d.manufacturer, d.manufacturerData instanceof ArrayBuffer, new Uint8Array(d.manufacturerData).join(","));
      }, { filters: [{ manufacturerData: { 0x0590: {} } }] });
      NRF.setAdvertising({}, { manufacturer: 0x0590, manufacturerData: [1, 2, 3], showName: false });
      NRF.setAddress("c0:11:22:33:44:55 random");
    `);
    const hooks = dev.radio.hooks!;
    expect(
      hooks.deliver({
        id: 'aa:bb:cc:dd:ee:ff random',
        rssi: -60,
        data: new Uint8Array([6, 0xff, 0x90, 0x05, 9, 8, 7]),
      }),
    ).toBe(true);
    expect(
      hooks.deliver({
        id: 'aa:bb:cc:dd:ee:00 random',
        rssi: -60,
        data: new Uint8Array([4, 0xff, 0x4c, 0x00, 1]),
      }),
    ).toBe(false);
    dev.clock.advance(0);
    expect(lines(dev)).toEqual(['aa:bb:cc:dd:ee:ff random -60 1424 true 9,8,7']);
    expect(hex(dev.radio.advertising!.packets[0]!)).toBe('020106' + '06ff9005010203');
    expect(dev.radio.address).toBe('c0:11:22:33:44:55 random');
  });

  it('reads and writes a virtual I2C peripheral', () => {
    const writes: [number, number[]][] = [];
    const clock = new VirtualClock();
    const dev = new EspruinoDevice({
      board: 'puckjs',
      clock,
      i2c: { write: (a, d) => writes.push([a, [...d]]), read: (_a, n) => new Uint8Array(n).fill(0xab) },
    });
    dev.install(
      'I2C1.setup({ scl: D1, sda: D2 }); I2C1.writeTo(0x24, [1, 2], 3); var r = I2C1.readFrom(0x24, 3); print(r instanceof Uint8Array, r.join(","));',
    );
    dev.boot();
    expect(writes).toEqual([[0x24, [1, 2, 3]]]);
    expect(lines(dev)).toEqual(['true 171,171,171']);
  });
});

describe('StorageFile (Storage.open)', () => {
  it('appends across chunks and reads back by length and by line, surviving a power cut', () => {
    const { dev } = run(`
      var f = require("Storage").open("log", "a");
      for (var i = 0; i < 400; i++) f.write("event " + i + " ok\\n");
    `);
    dev.powerCut();
    dev.install(`
      var f = require("Storage").open("log", "r");
      print(f.getLength(), JSON.stringify(f.readLine()), JSON.stringify(f.read(6)));
      var n = 1; while (f.readLine() !== undefined) n++;
      print(n);
      try { require("Storage").open("log", "a").write("\\xff"); } catch (e) { print("refused 255"); }
    `);
    dev.boot();
    const total = Array.from({ length: 400 }, (_, i) => `event ${i} ok\n`).join('').length;
    expect(lines(dev)).toEqual([`${total} "event 0 ok\\n" "event "`, '400', 'refused 255']);
    expect(dev.storage.list().filter((n) => n.startsWith('log')).length).toBeGreaterThan(1);
  });
});

describe('event loop details', () => {
  it('runs promise jobs right after the callback that queued them, before the next timer', () => {
    const { clock, dev } = run(`
      setTimeout(function () { Promise.resolve(1).then(function (v) { print("job " + v); }); print("t1"); }, 10);
      setTimeout(function () { print("t2"); }, 10);
      Promise.resolve().then(function () { print("boot job"); });
    `);
    clock.advance(10);
    expect(lines(dev)).toEqual(['boot job', 't1', 'job 1', 't2']);
  });

  it('E.reboot fires E.on("kill"), keeps Storage and starts from the boot code with fresh RAM', () => {
    const { clock, dev } = run(`
      var s = require("Storage");
      var n = (s.readJSON("n", true) || 0) + 1; s.writeJSON("n", n);
      var ram = typeof ram === "undefined" ? 0 : ram + 1;
      E.on("kill", function () { print("kill " + n); });
      print("boot " + n + " ram " + ram);
      if (n === 1) setTimeout(function () { E.reboot(); }, 100);
    `);
    clock.advance(200);
    expect(lines(dev)).toEqual(['boot 1 ram 0', 'kill 1', 'boot 2 ram 0']);
    expect(dev.resets).toEqual([{ at: 100, reason: 'E.reboot' }]);
  });

  it('an I2C peripheral failure reaches firmware as an InternalError it can catch', () => {
    const clock = new VirtualClock();
    const dev = new EspruinoDevice({
      board: 'puckjs',
      clock,
      i2c: {
        write: () => undefined,
        read: () => {
          throw new Error('NACK');
        },
      },
    });
    dev.install(
      'try { I2C1.readFrom(0x24, 4); } catch (e) { print(e instanceof InternalError, e.message); }',
    );
    dev.boot();
    expect(lines(dev)).toEqual(['true I2C Error: NACK']);
  });

  it('an auto watchdog reboots a board stuck in a loop', () => {
    const { clock, dev } = device('puckjs', 400);
    dev.install('E.enableWatchdog(1); setTimeout(function () { for (;;) {} }, 5);');
    dev.boot();
    clock.advance(6);
    expect(dev.resets).toEqual([{ at: 5, reason: 'watchdog' }]);
    expect(dev.state).toBe('running');
  });

  it('E.setConsole moves the REPL so Serial1 data reaches on("data")', () => {
    const clock = new VirtualClock();
    const dev = new EspruinoDevice({ board: 'esp32', clock });
    dev.install(
      'Serial1.on("data", function (d) { print("got " + d); }); setTimeout(function () { E.setConsole(null); }, 100);',
    );
    dev.boot();
    expect(dev.consolePort).toBe('Serial1');
    dev.serial('Serial1').write(new Uint8Array([0x41]));
    clock.advance(50);
    expect(dev.consoleOutput).not.toContain('got A');
    clock.advance(100);
    dev.serial('Serial1').write(new Uint8Array([0x42]));
    clock.advance(0);
    expect(dev.consoleOutput).toContain('got B');
    expect(dev.consolePort).toBe(null);
  });
});

describe('unguarded mode', () => {
  it('runs the same firmware with guardMs 0 (no per-call watchdog)', () => {
    const clock = new VirtualClock();
    const dev = new EspruinoDevice({ board: 'puckjs', clock, guardMs: 0 });
    dev.install('var n = 0; setInterval(function () { n++; }, 10);');
    dev.boot();
    clock.advance(10_000);
    expect(dev.eval('n').value).toBe(1000);
  });
});
