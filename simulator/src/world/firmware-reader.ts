/**
 * A reader running the real reader bundle (built for the Puck.js) in the Espruino runtime, on the world's
 * clock, with the PN532 emulator on I2C1 and its host link on Serial1. The world hands it what the air
 * carries through the runtime's BLE scan hook; the host sees it through the same ReaderSession as any reader.
 */
import { buildFirmware } from '@badgewire/firmware/build';
import { type Link, toHex } from '@badgewire/protocol';
import { VirtualPn532 } from '../chips/pn532';
import type { VirtualClock } from '../clock';
import { EspruinoDevice } from '../espruino/index';
import { SIM_CID } from './badges';

let bundle: Promise<string> | null = null;

export function readerBundle(): Promise<string> {
  if (!bundle)
    bundle = buildFirmware('puckjs', 'reader', { write: false }).then((r) => {
      if (!r.ok)
        throw new Error(`reader bundle refused by the firmware gate: ${r.violations.length} violations`);
      return r.code;
    });
  return bundle;
}

export class FirmwareReader {
  readonly dev: EspruinoDevice;
  readonly chip = new VirtualPn532();

  constructor(
    code: string,
    clock: VirtualClock,
    id: Uint8Array,
    key: Uint8Array,
    seed: number,
    dedupMs: number,
  ) {
    const chip = this.chip;
    this.dev = new EspruinoDevice({
      board: 'puckjs',
      clock,
      seed,
      guardMs: 60_000,
      i2c: { write: (a, d) => chip.i2cWrite(a, d), read: (a, n) => chip.i2cRead(a, n) },
    });
    this.dev.install(code);
    // Provisioning record as the tool writes it; `dd` is the sighting de-dup window, as for every reader here.
    const cfg = {
      id: toHex(id),
      key: toHex(key),
      door: 0,
      cid: SIM_CID,
      link: 'Serial1',
      relay: 2500,
      dd: dedupMs,
    };
    this.dev.storage.write('bw.cfg', new TextEncoder().encode(JSON.stringify(cfg)));
    this.dev.boot();
  }

  /** The reader's UART as a Link for the host (the wire stays attached across reboots). */
  link(): Link {
    const port = this.dev.serial('Serial1');
    let closed = false;
    const closeCbs: ((code: number) => void)[] = [];
    return {
      write: (b) => {
        if (closed) return -1;
        port.write(b);
        return b.length;
      },
      onData: (cb) => {
        port.onData((b) => {
          if (!closed) cb(b);
        });
      },
      onClose: (cb) => void closeCbs.push(cb),
      close: () => {
        if (closed) return;
        closed = true;
        for (const cb of closeCbs) cb(0);
      },
    };
  }

  /** One advertisement heard by the radio; false when the firmware's scan filter dropped it. */
  hear(adv: Uint8Array, rssi: number, address: string): boolean {
    return this.dev.radio.hooks?.deliver({ id: address, rssi, data: adv }) ?? false;
  }
}
