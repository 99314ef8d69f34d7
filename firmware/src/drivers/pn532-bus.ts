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

export interface UartLike {
  write(data: Uint8Array): void;
  /** Registers the receive handler; bytes arrive as numbers 0..255. */
  onBytes(cb: (b: Uint8Array) => void): void;
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

/** HSU: received bytes are queued (bounded) until the driver polls them. */
export function hsuBus(uart: UartLike, cap: number): Pn532Bus {
  const q = new Uint8Array(cap);
  let n = 0;
  uart.onBytes((b: Uint8Array) => {
    for (let i = 0; i < b.length; i++) if (n < cap) q[n++] = b[i] as number;
  });
  // 55 55 then zeros long enough for the oscillator to start (UM0701 §7.2.11, AN10609).
  const wake = new Uint8Array(16);
  wake[0] = wake[1] = 0x55;
  return {
    wake: wake,
    write: (b: Uint8Array) => uart.write(b),
    read: (max: number) => {
      const k = Math.min(max, n);
      const out = new Uint8Array(q.subarray(0, k));
      // A shift towards the start: Espruino's set copies forward, which is safe here.
      q.set(q.subarray(k, n));
      n -= k;
      return out;
    },
  };
}
