/**
 * The arrow pass (build/arrows.ts) on hand-written IIFEs: what it converts, what it must leave alone, and that
 * the converted program computes the same as the original.
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { shortFunctions } from '../build/arrows';

/** Runs an IIFE bundle that reports through `out(...)`; returns what it reported. */
function run(code: string): unknown[] {
  const got: unknown[] = [];
  runInNewContext(code, { out: (v: unknown) => got.push(v) });
  return got;
}

describe('shortFunctions', () => {
  it('turns plain top-level functions into one let list, return-only bodies without braces', () => {
    const src =
      '(()=>{var u=1;function a(r){return r+u}function b(r,t){let n=r;for(let e=0;e<t;e++)n=a(n);return n}' +
      'function c(r){return{v:r}}function d(r){return r++,r}out(b(2,3));out(c(4).v);out(d(5));})();';
    const short = shortFunctions(src);
    expect(short).toContain('let a=r=>r+u,b=(r,t)=>{');
    expect(short).toContain('c=r=>({v:r})');
    expect(short).toContain('d=r=>(r++,r)');
    expect(short).not.toContain('function');
    expect(short.length).toBeLessThan(src.length);
    expect(run(short)).toEqual(run(src));
    expect(run(src)).toEqual([5, 4, 6]);
  });

  it('leaves functions that use this/arguments, are constructed, or have their prototype read', () => {
    const src =
      '(()=>{function t(){return this}function g(){return arguments.length}function K(r){this.v=r}' +
      'function P(){}P.prototype.x=1;function h(){return()=>this}out(typeof t.call(7));out(g(1,2));' +
      'out(new K(3).v);out(new P().x);out(typeof h.call(8)());})();';
    const short = shortFunctions(src);
    for (const f of ['function t(', 'function g(', 'function K(', 'function P(', 'function h('])
      expect(short).toContain(f);
    expect(run(short)).toEqual(run(src));
  });

  it('keeps functions nested in other functions and leaves code that is not an IIFE untouched', () => {
    const src = '(()=>{function a(){function b(){return 1}return b()}out(a());})();';
    const short = shortFunctions(src);
    expect(short).toContain('function b(');
    expect(short).toContain('let a=()=>{');
    expect(run(short)).toEqual([1]);
    expect(shortFunctions('function a(){return 1}a();')).toBe('function a(){return 1}a();');
    expect(shortFunctions('(()=>{ this is not js')).toBe('(()=>{ this is not js');
  });
});
