/** The built badge bundle running in the simulator's Espruino runtime (Puck.js and MDBT42Q profiles). */
import { toHex } from '@badgewire/protocol';
import { describe, expect, it } from 'vitest';
import { readBudget, varShareLimit } from '../firmware/build/bundle';
import { badgeAsTag, badgeDevice, bundle, readerDevice, VirtualClock } from './firmware-harness';

// wire.md §9.1 example: K_id = 00..0f, slot 6765, CID FFFF.
const ADV_6765 = '02010614ffffff11115d75e6563a6e2b53bee108ca5711fe';

describe('badge bundle in the Espruino runtime', () => {
  it('advertises the spec frame non-connectably from a fresh random static address', async () => {
    const clock = new VirtualClock();
    const dev = badgeDevice((await bundle('puckjs', 'badge')).code, clock);
    const before = dev.radio.address;
    dev.boot();
    clock.advance(100);
    const adv = dev.radio.advertising!;
    expect(adv.packets.map(toHex)).toEqual([ADV_6765]);
    expect(adv.options).toMatchObject({ connectable: false, scannable: false, showName: false });
    expect(dev.radio.address).not.toBe(before);
    expect(dev.radio.address).toMatch(/^[c-f][0-9a-f]:([0-9a-f]{2}:){4}[0-9a-f]{2} random$/);
    expect(dev.errors).toEqual([]);
  });

  it('rotates EphID and address together after the slot boundary (+0–60 s jitter)', async () => {
    const clock = new VirtualClock();
    const dev = badgeDevice((await bundle('puckjs', 'badge')).code, clock);
    dev.boot();
    const a0 = dev.radio.address;
    // badge_time starts at 6765*256 + 10: the next boundary is 246 s away, the switch at most 60 s later.
    clock.advance(245_000);
    expect(dev.radio.advertising!.packets.map(toHex)).toEqual([ADV_6765]);
    clock.advance(62_000);
    const p = toHex(dev.radio.advertising!.packets[0]!);
    expect(p).not.toBe(ADV_6765);
    expect(p.slice(0, 16)).toBe(ADV_6765.slice(0, 16));
    expect(dev.radio.address).not.toBe(a0);
  });

  it('keeps its tap counter across a reboot (persisted before use)', async () => {
    const clock = new VirtualClock();
    const badge = badgeDevice((await bundle('puckjs', 'badge')).code, clock);
    badge.boot();
    const tag = badgeAsTag(badge);
    const read = () => {
      tag.field?.(true);
      tag.transceive(Uint8Array.from([0, 0xa4, 4, 0, 6, 0xf0, 0x42, 0x57, 0x54, 0x41, 0x50, 0]));
      const r = tag.transceive(Uint8Array.from([0x80, 0x12, 0, 0, 0x21]));
      tag.field?.(false);
      return r;
    };
    const r1 = read()!;
    const r2 = read()!;
    expect(r1.length).toBe(35);
    expect(toHex(r1)).not.toBe(toHex(r2));
    badge.reboot('test');
    read();
    const ctr = JSON.parse(new TextDecoder().decode(badge.storage.read('bw.ctr')!));
    expect(ctr).toEqual({ c: 3 });
  });

  it('refuses to run unprovisioned, and on a board without native AES', async () => {
    const clock = new VirtualClock();
    const code = (await bundle('puckjs', 'badge')).code;
    const dev = badgeDevice(code, clock);
    dev.storage.write('bw.badge', new Uint8Array(3));
    dev.boot();
    clock.advance(100);
    expect(dev.consoleOutput).toContain('badge is not provisioned (E601)');
    expect(dev.radio.advertising?.options?.connectable).not.toBe(false);
    const md = badgeDevice((await bundle('mdbt42q', 'badge')).code, clock, 'mdbt42q');
    md.boot();
    clock.advance(100);
    expect(md.consoleOutput).toContain('no crypto.AES');
  });

  it('stays inside 40 % of the Puck.js variable pool at idle, booted from Storage', async () => {
    const clock = new VirtualClock();
    const dev = badgeDevice((await bundle('puckjs', 'badge')).code, clock);
    dev.boot();
    clock.advance(1000);
    const m = dev.memoryUsage();
    console.log(`badge JsVars at idle: ${m.usage}/${m.total}`);
    expect(m.usage / m.total).toBeLessThanOrEqual(varShareLimit(readBudget(), 'badge'));
    expect(varShareLimit(readBudget(), 'badge')).toBe(0.4);
  });

  it('the MDBT42Q reader refuses to run on stock firmware without native AES', async () => {
    const clock = new VirtualClock();
    const r = readerDevice((await bundle('mdbt42q', 'reader')).code, clock, {
      board: 'mdbt42q',
      link: 'ble',
    });
    r.dev.boot();
    clock.advance(100);
    expect(r.dev.consoleOutput).toContain('no crypto.AES (stock mdbt42q firmware)');
    expect(r.chip.stats.frames).toBe(0);
  });
});
