/**
 * The Espruino-subset gate: every rule rejects a snippet that fails on the real interpreter (espruino.md §2,
 * §3, §5) and accepts the nearest snippet that runs there; esbuild output of subset TypeScript passes.
 */
import { buildSync, transformSync } from 'esbuild';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkEspruinoSubset } from '../build/subset';
import { BOARDS, bundleBudget, flashBootVars } from '../build/subset-budget';

const rules = (src: string): string[] => checkEspruinoSubset(src).map((v) => v.rule);

// [rule, rejected snippet, accepted counterpart]
const CASES: [string, string, string][] = [
  ['destructuring', 'var o = {a: 1}; var {a} = o;', 'var o = {a: 1}; var a = o.a;'],
  ['destructuring', 'function f([x]) { return x; }', 'function f(p) { return p[0]; }'],
  [
    'default-params',
    'function f(a = 1) { return a; }',
    'function f(a) { if (a === undefined) a = 1; return a; }',
  ],
  ['rest-params', 'function f(...a) { return a; }', 'function f(a) { return a; }'],
  ['spread', 'var a = [1]; print(...a);', 'var a = [1]; print.apply(null, a);'],
  ['spread', 'var a = {}; var b = {...a};', 'var a = {}; var b = Object.assign({}, a);'],
  ['optional-chaining', 'var o = {}; print(o?.x);', 'var o = {}; print(o && o.x);'],
  ['exponent', 'print(2 ** 8);', 'print(2 * 2 * 2);'],
  ['exponent', 'var x = 2; x **= 2;', 'var x = 2; x *= x;'],
  ['generator', 'function* g() { yield 1; }', 'function g() { return 1; }'],
  ['async', 'async function f() { return 1; }', 'function f() { return Promise.resolve(1); }'],
  ['label', 'outer: for (;;) { break outer; }', 'for (;;) { break; }'],
  ['computed-key', 'var k = "a"; var o = {[k]: 1};', 'var k = "a"; var o = {}; o[k] = 1;'],
  ['computed-key', 'class A { ["m"]() {} }', 'class A { m() {} }'],
  ['tagged-template', 'print(String.raw`a`);', 'print(`a`);'],
  ['new-target', 'function F() { return new.target; }', 'function F() { return this; }'],
  ['private-member', 'class A { #x = 1; }', 'class A { constructor() { this.x = 1; } }'],
  ['forbidden-global', 'var m = new Map();', 'var m = {};'],
  ['forbidden-global', 'throw new RangeError("x");', 'throw new Error("x");'],
  ['forbidden-global', 'var b = Buffer.from("a");', 'var b = E.toUint8Array("a");'],
  ['forbidden-global', 'process.nextTick(f); function f() {}', 'function f() {} setTimeout(f, 0);'],
  ['forbidden-global', 'var t = new TextEncoder();', 'var t = typeof TextEncoder;'],
  ['require', 'var fs = require("fs");', 'var s = require("Storage");'],
  ['require', 'var n = "x"; require(n);', 'var c = require("crypto");'],
  ['array-from', 'var a = Array.from([1]);', 'var a = [1].map(function (x) { return x; });'],
  ['array-from', 'var u = Uint8Array.from([1]);', 'var u = new Uint8Array([1]);'],
  [
    'builtin-prototype',
    'function f() { return Array.prototype.slice.call(arguments); }',
    'function f() { return [].slice.call(arguments); }',
  ],
  [
    'builtin-prototype',
    'var s = String.prototype.trim;',
    'var h = Object.prototype.hasOwnProperty.call({}, "a");',
  ],
  ['extends-error', 'class E extends Error {}', 'class E { constructor(m) { this.message = m; } }'],
  ['regexp', 'print(/^\\d{3}$/.test("123"));', 'print(/^\\d\\d\\d$/.test("123"));'],
  ['regexp', 'print(/a(?=b)/.test("ab"));', 'print(/a(b)/.test("ab"));'],
  ['regexp', 'var r = new RegExp("x{2}");', 'var r = new RegExp("[{]x");'],
  ['logical-assignment', 'var a; a ??= 1;', 'var a; var b = a ?? 1;'],
  ['logical-assignment', 'var a; a ||= 1;', 'var a; a = a || 1;'],
  ['bigint', 'var n = 10n;', 'var n = 10;'],
  ['use-before-define', 'f(); function f() {}', 'function f() {} f();'],
  ['use-before-define', 'function g() { h(); function h() {} }', 'function g() { function h() {} h(); }'],
  ['use-before-define', 'var a = new A(); class A {}', 'class A {} var a = new A();'],
  ['use-before-define', 'print(x); let x = 1;', 'var y = 1; print(y); let x = 1;'],
  [
    'use-before-define',
    'function a() { return b(); } a(); function b() {}',
    'function a() { return b(); } function b() {} a();',
  ],
  [
    'loop-closure',
    'var f = []; for (let i = 0; i < 3; i++) f.push(function () { return i; });',
    'var f = []; for (let i = 0; i < 3; i++) f.push(i);',
  ],
  ['loop-closure', 'for (const x of [1]) setTimeout(() => print(x), 0);', 'for (const x of [1]) print(x);'],
  [
    'class-self-reference',
    'var X = class _X { static m() { return new _X(); } };',
    'var X = class { static m() { return new this(); } };',
  ],
  ['math-pow', 'var p = Math.pow(2, 31);', 'var p = 2147483648;'],
  [
    'static-inheritance',
    'class A { static s() { return 1; } } class B extends A {} B.s();',
    'class A { static s() { return 1; } } class B extends A {} A.s();',
  ],
  [
    'static-inheritance',
    'var A = class { static s() {} }; var B = class extends A {}; B.s();',
    'var A = class { static s() {} }; var B = class extends A { static s() { A.s(); } }; B.s();',
  ],
];

describe('checkEspruinoSubset', () => {
  for (const [rule, bad, good] of CASES) {
    it(`${rule}: rejects ${JSON.stringify(bad)}, accepts ${JSON.stringify(good)}`, () => {
      expect(rules(bad)).toContain(rule);
      expect(rules(good)).toEqual([]);
    });
  }

  it('reports 1-based line and column of the construct', () => {
    const v = checkEspruinoSubset('var a = 1;\nvar b = {};\nvar c = b?.x;\n');
    expect(v).toEqual([expect.objectContaining({ rule: 'optional-chaining', line: 3, column: 9 })]);
  });

  it('reports module syntax as a syntax violation (bundles are scripts)', () => {
    expect(checkEspruinoSubset('export const a = 1;')[0]?.rule).toBe('syntax');
  });

  it('ignores shadowed names and references inside later-called functions', () => {
    expect(rules('function f(Map) { return new Map(); }')).toEqual([]);
    expect(rules('function a() { return b(); } function b() { return 1; } setTimeout(a, 1);')).toEqual([]);
    expect(rules('var X = class { m() { return X; } };')).toEqual([]);
    expect(rules('class A { static m() { return new A(); } }')).toEqual([]);
    expect(rules('print(typeof Symbol);')).toEqual([]);
  });

  it('passes esbuild es2015 iife output of subset TypeScript (minified or not)', () => {
    const ts = `
      export {};
      const KEY = 0x2a;
      class Codec {
        static make(): Codec { return new this(); }
        n = 0;
        enc(b: Uint8Array): Uint8Array {
          const out = new Uint8Array(b.length);
          for (let i = 0; i < b.length; i++) out[i] = (b[i] as number) ^ KEY;
          this.n++;
          return out;
        }
      }
      interface Opt { a?: number }
      function pick(o: Opt): number { return o.a ?? 7; }
      let count = 0;
      function tick(): void { count += pick({}); }
      setInterval(tick, 1000);
      const c = Codec.make();
      print(c.enc(new Uint8Array([1, 2])).join(','), \`n=\${count}\`);
    `;
    for (const minify of [false, true]) {
      const js = buildSync({
        stdin: { contents: ts, loader: 'ts' },
        bundle: true,
        format: 'iife',
        target: 'es2015',
        minify,
        write: false,
      }).outputFiles[0]!.text;
      expect(checkEspruinoSubset(js)).toEqual([]);
    }
  });

  it('catches what esbuild passes through or lowers badly: **, ?. at es2020, self-named classes', () => {
    const pow = transformSync('export {}; let x = 2 ** 31; print(x);', {
      loader: 'ts',
      target: 'es2015',
    }).code;
    expect(rules(pow.replace('export {};', ''))).toContain('math-pow');
    const chain = transformSync('let o: any = {}; print(o?.a);', { loader: 'ts', target: 'es2020' }).code;
    expect(rules(chain)).toContain('optional-chaining');
    const self = buildSync({
      stdin: {
        contents: 'export {}; class R { static make() { return new R(); } } print(R.make());',
        loader: 'ts',
      },
      bundle: true,
      format: 'iife',
      target: 'es2015',
      write: false,
    }).outputFiles[0]!.text;
    expect(rules(self)).toContain('class-self-reference');
  });
});

describe('bundleBudget', () => {
  it('reproduces the measured flash-boot figures and flags an oversized bundle per board', () => {
    expect(flashBootVars(2557)).toBe(355);
    expect(flashBootVars(5081)).toBe(397);
    const small = bundleBudget('print(1);', 'puckjs', { maxBytes: 20000 });
    expect(small.ok).toBe(true);
    expect(small.bytes).toBe(9);
    const big = 'x'.repeat(50 * 1024);
    const r = bundleBudget(big, 'puckjs', { maxBytes: 20000 });
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toMatch(/over the puckjs budget of 20000 B/);
    expect(r.problems.join('\n')).toMatch(/does not fit the 40960 B Storage/);
    expect(bundleBudget(big, 'esp32').ok).toBe(true);
    expect(BOARDS.mdbt42q.aes).toBe(false);
  });
});

describe('checkEspruinoSubset on arbitrary text', () => {
  it('never throws: unparseable input is one "syntax" violation, positions are 1-based', () => {
    const snippets = CASES.flatMap((c) => [c[1], c[2]]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc
            .tuple(fc.constantFrom(...snippets), fc.nat(), fc.string({ maxLength: 3 }))
            .map(([s, at, ins]) => s.slice(0, at % (s.length + 1)) + ins + s.slice(at % (s.length + 1))),
        ),
        (src) => {
          const v = checkEspruinoSubset(src);
          return v.every((x) => x.line >= 1 && x.column >= 1 && typeof x.rule === 'string');
        },
      ),
      { numRuns: 10000 },
    );
  });
});
