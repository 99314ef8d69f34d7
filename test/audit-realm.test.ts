/**
 * The audit's RAM walk covers exactly the device: everything the firmware can still reach (its globals, what
 * it hung on Espruino objects, callbacks the runtime holds for it and their closures, buffers the runtime keeps
 * for it) and nothing of the host that runs the emulation, however close the runtime's own closures sit to it.
 * Canaries are computed inside the device at run time, so no encoding of them is in the firmware source.
 */
import { fromHex } from '@badgewire/protocol';
import { describe, expect, it } from 'vitest';
import { attendeeCanaries, type Canary, PiiAudit } from '../simulator/src/audit/index';
import { VirtualClock } from '../simulator/src/clock';
import { EspruinoDevice } from '../simulator/src/espruino/index';

const UID = fromHex('04c1a2b3c4d5e6');
const canaries = attendeeCanaries(7, 'rw', fromHex('5e71a10000000007'), UID);
const value = (k: string) => (canaries.find((c) => c.kind === k) as Canary).value as string;

/** A firmware expression that builds `s` at run time from XOR-masked char codes. */
function hidden(s: string): string {
  const codes = Array.from(s, (c) => c.charCodeAt(0) ^ 90).join(',');
  return `(function(){var c=[${codes}],o='';for(var i=0;i<c.length;i++)o+=String.fromCharCode(c[i]^90);return o;})()`;
}

function device(firmware: string, i2c?: EspruinoDevice['i2c']): EspruinoDevice {
  const dev = new EspruinoDevice({ board: 'puckjs', clock: new VirtualClock(), seed: 5, guardMs: 0, i2c });
  dev.install(firmware);
  dev.boot();
  dev.clock.advance(10);
  return dev;
}

function ram(dev: EspruinoDevice) {
  const audit = new PiiAudit(canaries);
  return audit.memory('reader', dev.auditRoots());
}

describe('PII audit RAM walk: what the device holds', () => {
  it('finds a canary held only in the closure of a pending firmware timer', () => {
    const dev = device(
      `(function(){ var note = ${hidden(value('email'))};
         setTimeout(function(){ print(note.length); }, 1e9); })();`,
    );
    const hits = ram(dev);
    expect(hits.map((h) => h.kind)).toEqual(['email']);
    expect(hits[0]?.place).toMatch(/^reader ram:<timers>\[0\]\.\[\[Scopes\]\]\.note$/);
  });

  it('finds a canary held only in the closure of a pin watch', () => {
    const dev = device(
      `(function(){ var who = ${hidden(value('company'))};
         setWatch(function(){ print(who.length); }, D0, { repeat: true }); })();`,
    );
    const hits = ram(dev);
    expect(hits.map((h) => `${h.kind} ${h.place}`)).toEqual([
      'company reader ram:<watches>[0].[[Scopes]].who',
    ]);
  });

  it('finds canaries firmware hung on runtime globals (NRF, E), and a bound timer argument', () => {
    const dev = device(
      `NRF.foo = { note: ${hidden(value('name'))} };
       E.bar = [${hidden(value('company'))}];
       setInterval(function(x){ return x; }.bind(null, ${hidden(value('phone'))}), 1e9);`,
    );
    const hits = ram(dev);
    const byKind = Object.fromEntries(hits.map((h) => [h.kind, h.place]));
    expect(Object.keys(byKind).sort()).toEqual(['company', 'name', 'phone']);
    expect(byKind.name).toBe('reader ram:global.NRF.foo.note');
    expect(byKind.company).toBe('reader ram:global.E.bar.0');
    expect(byKind.phone).toMatch(/^reader ram:<timers>\[0\]\.\[\[BoundArgs\]\]/);
  });

  it("finds script-level let, listeners, and bytes waiting in a port's receive buffer", () => {
    const dev = device(`Bluetooth.on('data', function(d){ Bluetooth.last = d; });`);
    dev.eval(`let kept = ${hidden(value('attendee-id'))};`);
    dev.setConsole(null);
    dev.serial('Serial1').write(UID);
    dev.clock.advance(10);
    const hits = ram(dev);
    const places = hits.map((h) => `${h.kind} ${h.place}`).sort();
    expect(places.filter((p) => p.startsWith('attendee-id '))).toHaveLength(1);
    expect(places.find((p) => p.startsWith('attendee-id '))).toMatch(/\.\[\[Scopes\]\]\.kept$/);
    expect(places).toContain('nfc-uid reader ram:<Serial1 rx>[0]');
  });

  it('reports nothing the host holds next to the device, until the firmware reads it itself', () => {
    const secret = value('email');
    // Host memory the runtime's own closures lead to: the I2C peripheral object, a pooled Buffer, a regex match.
    const peripheral = {
      note: secret,
      pooled: Buffer.from(secret),
      write: () => undefined,
      read: (_a: number, n: number) => new Uint8Array(Buffer.from(secret).subarray(0, n)),
    };
    expect(/canary-mail/.test(secret)).toBe(true);
    const dev = device('var got = null; function grab(){ got = I2C1.readFrom(0x24, 64); }', peripheral);
    const audit = new PiiAudit(canaries);
    expect(audit.memory('reader', dev.auditRoots())).toEqual([]);
    // The same bytes, once the firmware has read them, are device RAM and are found.
    dev.eval('grab()');
    const after = audit.memory('reader', dev.auditRoots());
    expect(after.map((h) => `${h.kind} ${h.place}`)).toEqual(['email reader ram:global.got']);
    expect(peripheral.note).toBe(secret);
  });

  it('passes a device that holds only ciphertext-like bytes', () => {
    const dev = device(
      'var eph = new Uint8Array(16); for (var i = 0; i < 16; i++) eph[i] = (i * 73) & 255; NRF.eph = eph;',
    );
    expect(ram(dev)).toEqual([]);
  });
});
