/**
 * The one Espruino implementation of the firmware ports: NRF (scan, advertising, address, NFC tag),
 * Serial/Bluetooth (link), I2C1/Serial (PN532 bus), Storage (flash), crypto.AES (Aes128), E.hwRand (Random),
 * digitalWrite/digitalPulse (outputs), process.memory/E.getErrorFlags/E.enableWatchdog (system). This folder
 * is the only code that touches Espruino globals.
 */
import type {
  Advert,
  Aes128,
  Clock,
  Flash,
  Health,
  Link,
  NfcTag,
  Outputs,
  Radio,
  Random,
  System,
} from '../ports';

export const espruinoClock: Clock = {
  now: () => Math.floor(getTime() * 1000),
  setTimer: (ms: number, cb: () => void) => setTimeout(cb, ms),
};

/** Native AES (Puck.js, ESP32); null where the firmware has none (stock MDBT42Q, Pixl.js). */
export function espruinoAes(): Aes128 | null {
  const aes = require('crypto').AES;
  if (!aes) return null;
  return {
    ecb: (key: Uint8Array, data: Uint8Array) =>
      new Uint8Array(aes.encrypt(data, key, { mode: 'ECB' }) as ArrayBuffer),
    cbc: (key: Uint8Array, iv: Uint8Array, data: Uint8Array) =>
      new Uint8Array(aes.encrypt(data, key, { iv: iv, mode: 'CBC' }) as ArrayBuffer),
  };
}

export const espruinoRandom: Random = {
  fill: (out: Uint8Array) => {
    // One hardware draw per byte (the typed array keeps its low 8 bits): a nonce is 16 bytes, so the extra draws
    // cost nothing, and the shorter loop saves bytes.
    for (let i = 0; i < out.length; i++) out[i] = E.hwRand();
  },
};

/** Storage itself: its calls are the Flash port's (ports.ts). */
export function espruinoFlash(): Flash {
  return require('Storage');
}

function hex2(v: number): string {
  return (v < 16 ? '0' : '') + v.toString(16);
}

/** The reader's radio (Scanner.scan); it keeps Espruino's own connectable advertising for the BLE link. */
export function scanAdverts(cid: number, interval: number, win: number, cb: (a: Advert) => void): void {
  const f: { [k: number]: object } = {};
  f[cid] = {};
  NRF.setScan(
    (d) => {
      // Only the advertising data crosses into the app: the advertiser's address is never read.
      cb({ data: new Uint8Array(d.data), rssi: d.rssi });
    },
    { filters: [{ manufacturerData: f }], interval: interval, window: win },
  );
}

function advertise(ad: Uint8Array | null, interval: number): void {
  const arr: number[] = [];
  if (ad) for (let i = 0; i < ad.length; i++) arr.push(ad[i] as number);
  NRF.setAdvertising(arr, { connectable: false, scannable: false, showName: false, interval: interval });
}

function setAddress(a: Uint8Array): void {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + hex2(a[i] as number);
  NRF.setAddress(s + ' random');
}

function nothing(): void {}

/** The badge only advertises. */
export function beaconRadio(): Radio {
  return { scan: nothing, stopScan: nothing, advertise: advertise, setAddress: setAddress };
}

export function espruinoTag(): NfcTag {
  return {
    start: (uid: Uint8Array) => {
      NRF.nfcStart(uid);
    },
    onRx: (cb: (f: Uint8Array) => void) => {
      NRF.on('NFCrx', (rx: ArrayBuffer) => {
        cb(new Uint8Array(rx));
      });
    },
    send: (r: Uint8Array) => {
      NRF.nfcSend(r);
    },
    onField: (cb: (on: boolean) => void) => {
      NRF.on('NFCon', () => {
        cb(true);
      });
      NRF.on('NFCoff', () => {
        cb(false);
      });
    },
  };
}

/** A Link over an Espruino Serial (Serial1, Serial2) or Bluetooth (the Nordic UART Service) when `ble`. */
export function serialLink(port: EspruinoSerial, ble: boolean): Link {
  let closeCb: ((code: number) => void) | null = null;
  if (ble) {
    NRF.on('disconnect', () => {
      if (closeCb) closeCb(2);
    });
  }
  // BLE: writes of at most MTU-3 bytes (protocol frame/ble.ts); a UART takes a whole frame.
  const chunk = ble ? 20 : 512;
  return {
    write: (b: Uint8Array) => {
      for (let i = 0; i < b.length; i += chunk) port.write(new Uint8Array(b.subarray(i, i + chunk)));
      return b.length;
    },
    onData: (cb: (c: Uint8Array) => void) => {
      port.on('data', (s: string) => {
        cb(E.toUint8Array(s));
      });
    },
    onClose: (cb: (code: number) => void) => {
      closeCb = cb;
    },
  };
}

export function espruinoOutputs(): Outputs {
  return {
    relay: (ms: number) => {
      digitalWrite(BW_BOARD.relay, 1);
      setTimeout(() => {
        digitalWrite(BW_BOARD.relay, 0);
      }, ms);
    },
    led: (color: number, pattern: number[]) => {
      // A colour is a bit set (ports.ts LED_*): amber lights red and green together.
      if (color & 1 && BW_BOARD.red >= 0) digitalPulse(BW_BOARD.red, 1, pattern);
      if (color & 2 && BW_BOARD.green >= 0) digitalPulse(BW_BOARD.green, 1, pattern);
      if (color & 4 && BW_BOARD.blue >= 0) digitalPulse(BW_BOARD.blue, 1, pattern);
    },
    beep: (pattern: number[]) => {
      if (BW_BOARD.buzzer >= 0) digitalPulse(BW_BOARD.buzzer, 1, pattern);
    },
  };
}

export function espruinoSystem(): System {
  return {
    health: (): Health => {
      // E.getErrorFlags names → health bits 1, 2, 4… in this order (the app treats LOW_MEMORY and MEMORY as
      // unhealthy); 128 for a name this list does not know. A literal here stays in flash, unlike a table.
      const names = 'LOW_MEMORY MEMORY FIFO_FULL BUFFER_FULL CALLBACK UART_OVERFLOW MEMORY_BUSY'.split(' ');
      let f = 0;
      for (const n of E.getErrorFlags()) {
        const k = names.indexOf(n);
        f |= k >= 0 ? 1 << k : 128;
      }
      return {
        free: process.memory().free,
        flags: f,
        tamper: BW_BOARD.tamper >= 0 && digitalRead(BW_BOARD.tamper) === 1,
      };
    },
    watchdog: (s: number) => {
      E.enableWatchdog(s, false);
    },
    kick: () => {
      E.kickWatchdog();
    },
    log: (m: string) => {
      console.log(m);
    },
  };
}
