/**
 * The two PN532 wires as `Pn532Bus`: I2C (address 0x24, a status byte before every read, UM0701 §6.2.4) and
 * HSU (a UART at 115200 8N1, UM0701 §6.2.3). Both take duck-typed bus objects so the Espruino globals stay in
 * firmware/src/board/ and the simulator can pass its own.
 */
import type { Pn532Bus } from './pn532';

export interface I2cLike {
  writeTo(addr: number, data: Uint8Array): void;
  readFrom(addr: number, n: number): Uint8Array;
}

/** A UART as Espruino's Serial objects are: received bytes arrive as a string, one char per byte. */
export interface UartLike {
  write(data: Uint8Array): void;
  on(ev: 'data', cb: (s: string) => void): void;
}

export const PN532_ADDR = 0x24;

export function i2cBus(i2c: I2cLike, addr: number): Pn532Bus {
  return {
    // The address match wakes the chip; the byte itself is lost (UM0701 §6.2.4).
    wake: new Uint8Array(1),
    write: (b: Uint8Array) => i2c.writeTo(addr, b),
    read: (max: number) => {
      const r = i2c.readFrom(addr, max + 1);
      // Status byte bit 0: the chip has a frame ready; otherwise the rest of the read is meaningless and the
      // view starts past its end (empty). The driver copies what it keeps.
      return r.subarray((r[0] as number) & 1 ? 1 : max + 1);
    },
  };
}

/**
 * HSU: received bytes are queued until the driver polls them, as the string Espruino delivers (no conversion per
 * chunk, and a read leaves no stale copy behind: the old string is dropped). A chunk is dropped while `cap` bytes
 * wait, so the queue stays under `cap` plus one chunk.
 */
export function hsuBus(uart: UartLike, cap: number): Pn532Bus {
  let q = '';
  uart.on('data', (s: string) => {
    if (q.length < cap) q += s;
  });
  // 55 55 then zeros long enough for the oscillator to start (UM0701 §7.2.11, AN10609).
  const wake = new Uint8Array(16);
  wake[0] = wake[1] = 0x55;
  return {
    wake: wake,
    write: (b: Uint8Array) => uart.write(b),
    read: (max: number) => {
      const out = new Uint8Array(max < q.length ? max : q.length);
      for (let i = 0; i < out.length; i++) out[i] = q.charCodeAt(i);
      q = q.substr(out.length);
      return out;
    },
  };
}
