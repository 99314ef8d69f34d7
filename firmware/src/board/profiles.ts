/**
 * Board profiles: pins, buses and capabilities per board. Pin numbers are Espruino pin indices (Dn).
 *   Puck.js (nRF52832, native AES): PN532 on software I2C, host link over BLE (NUS) or Serial1; badge capable.
 *   MDBT42Q (nRF52832 module, stock firmware has NO AES): PN532 over HSU on Serial1, host link over BLE.
 *     Decision: no pure-JS AES (it would not fit the 12 KB reader budget next to the app); the firmware
 *     checks for crypto.AES at boot and refuses with a clear message on a build without it.
 *   ESP32 (native AES via mbedTLS): PN532 on I2C1, host link on Serial2; no NFC tag emulation, so no badge.
 */
export interface Pins {
  relay: number;
  /** LED pins for red, green, blue (-1 when absent). */
  red: number;
  green: number;
  blue: number;
  buzzer: number;
  tamper: number;
}

export interface BoardProfile {
  name: string;
  pins: Pins;
  /** PN532 wiring: 'i2c' (scl, sda) or 'hsu' (Serial1 rx, tx). */
  nfc: string;
  scl: number;
  sda: number;
  rx: number;
  tx: number;
  /** Default host link: 'ble' or a serial port name; bw.cfg "link" may override it. */
  link: string;
  linkRx: number;
  linkTx: number;
  baud: number;
  /** Hardware UARTs (Serial1..SerialN): an nRF52 has one, so `Serial2` must not appear in its bundle. */
  uarts: number;
  badge: boolean;
}

/** What the firmware sees of its board at build time (espruino.d.ts BW_BOARD): the profile with its pins inlined. */
export type FlatProfile = Omit<BoardProfile, 'pins'> & Pins;

/** The profile as esbuild `define`s of BW_BOARD.<field> (firmware/build/bundle.ts). */
export function flatProfile(b: BoardProfile): FlatProfile {
  return {
    name: b.name,
    nfc: b.nfc,
    scl: b.scl,
    sda: b.sda,
    rx: b.rx,
    tx: b.tx,
    link: b.link,
    linkRx: b.linkRx,
    linkTx: b.linkTx,
    baud: b.baud,
    uarts: b.uarts,
    badge: b.badge,
    relay: b.pins.relay,
    red: b.pins.red,
    green: b.pins.green,
    blue: b.pins.blue,
    buzzer: b.pins.buzzer,
    tamper: b.pins.tamper,
  };
}

export const PUCKJS: BoardProfile = {
  name: 'puckjs',
  pins: { relay: 26, red: 5, green: 4, blue: 3, buzzer: 28, tamper: 0 },
  nfc: 'i2c',
  scl: 30,
  sda: 31,
  rx: -1,
  tx: -1,
  link: 'ble',
  linkRx: 1,
  linkTx: 2,
  baud: 115200,
  uarts: 1,
  badge: true,
};

export const MDBT42Q: BoardProfile = {
  name: 'mdbt42q',
  pins: { relay: 14, red: 1, green: 2, blue: -1, buzzer: 16, tamper: 0 },
  nfc: 'hsu',
  scl: -1,
  sda: -1,
  rx: 8,
  tx: 6,
  link: 'ble',
  linkRx: -1,
  linkTx: -1,
  baud: 115200,
  uarts: 1,
  badge: true,
};

export const ESP32: BoardProfile = {
  name: 'esp32',
  pins: { relay: 26, red: 2, green: 4, blue: -1, buzzer: 25, tamper: 34 },
  nfc: 'i2c',
  scl: 22,
  sda: 21,
  rx: -1,
  tx: -1,
  link: 'Serial2',
  linkRx: 16,
  linkTx: 17,
  baud: 115200,
  uarts: 2,
  badge: false,
};

export const BOARDS: { [name: string]: BoardProfile } = { puckjs: PUCKJS, mdbt42q: MDBT42Q, esp32: ESP32 };
