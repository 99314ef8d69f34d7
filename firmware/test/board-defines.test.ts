/**
 * Board constants come in as esbuild defines (bundle.ts boardDefines): pins become literals, code for an absent
 * pin or the other PN532 bus is dropped, and a BW_* name the build failed to replace refuses the bundle.
 */
import { describe, expect, it } from 'vitest';
import { boardDefines, buildFirmware, squeeze, unresolvedDefines } from '../build/bundle';
import { checkEspruinoSubset } from '../build/subset';
import { ESP32, MDBT42Q, PUCKJS } from '../src/board/profiles';

describe('board defines', () => {
  it('carry every profile field and pin as a JSON literal', () => {
    const d = boardDefines('mdbt42q', '9.9.9');
    expect(d.BW_VERSION).toBe('"9.9.9"');
    expect(d['BW_BOARD.name']).toBe('"mdbt42q"');
    expect(d['BW_BOARD.nfc']).toBe(JSON.stringify(MDBT42Q.nfc));
    expect(d['BW_BOARD.relay']).toBe(String(MDBT42Q.pins.relay));
    expect(d['BW_BOARD.blue']).toBe('-1');
    expect(d['BW_BOARD.badge']).toBe('true');
  });

  it('bundle pins as literals, drop absent pins and the unused PN532 bus', async () => {
    const puck = await buildFirmware('puckjs', 'reader', { write: false });
    const esp = await buildFirmware('esp32', 'reader', { write: false });
    const mdbt = await buildFirmware('mdbt42q', 'reader', { write: false });
    for (const r of [puck, esp, mdbt]) {
      expect(r.violations).toEqual([]);
      expect(r.code).not.toMatch(/BW_/);
    }
    expect(puck.code).toContain(`digitalWrite(${PUCKJS.pins.relay},1)`);
    expect(esp.code).toContain(`digitalWrite(${ESP32.pins.relay},1)`);
    // Puck.js has a blue LED, ESP32 none: its pin test folds away with the pulse.
    expect(puck.code).toContain(`digitalPulse(${PUCKJS.pins.blue},`);
    expect(esp.code).not.toMatch(/digitalPulse\(-1/);
    expect((esp.code.match(/digitalPulse\(/g) ?? []).length).toBe(3);
    expect((puck.code.match(/digitalPulse\(/g) ?? []).length).toBe(4);
    // I2C boards carry no HSU wake-up preamble handling; the HSU board carries no I2C bus.
    expect(puck.code).toContain('I2C1.setup(');
    expect(mdbt.code).not.toContain('I2C1');
    // An nRF52 has one UART: Serial2 would be a ReferenceError there, so only the ESP32 bundle names it.
    expect(puck.code).not.toContain('Serial2');
    expect(mdbt.code).not.toContain('Serial2');
    expect(esp.code).toContain('Serial2');
  });

  it('a BW_* name left in a bundle is a violation with its position', () => {
    expect(unresolvedDefines('let a=1;\nlet b=BW_BOARD.xy;')).toEqual([
      expect.objectContaining({ rule: 'unresolved-define', line: 2, column: 7 }),
    ]);
    expect(unresolvedDefines('let a="bw_board";')).toEqual([]);
  });
});

describe('squeeze (terser over the accepted bundle)', () => {
  it('shortens code without leaving the subset or changing what it computes', async () => {
    const src =
      'var U=Uint8Array;let f=(a,b)=>{let r=0;for(let i=0;i<a.length;i++)r+=a[i]*b;return r};' +
      'var o={n:function(){return this.k},k:5};var out=[f(new U([1,2,3]),2),o.n()];';
    const code = await squeeze(src);
    expect(code.length).toBeLessThan(src.length);
    expect(checkEspruinoSubset(code)).toEqual([]);
    const run = (c: string) => new Function(`${c};return out;`)() as number[];
    expect(run(code)).toEqual(run(src));
    // A method that reads `this` stays a function (an arrow would rebind it).
    expect(code).toMatch(/function\(\)\{return this\.k\}/);
  });
});
