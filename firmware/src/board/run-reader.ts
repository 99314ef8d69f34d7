/**
 * Boots the reader on an Espruino board: builds the ports from the profile and starts the app. Refuses to
 * run (console message, nothing started) without native AES or without provisioning; once running, the
 * console is detached so the host link owns the wire and nobody gets a REPL on a mounted reader.
 */
import { READER_TUNING, startReader } from '../app/reader';
import { PN532_DEFAULTS, type Pn532Bus, pn532 } from '../drivers/pn532';
import { hsuBus, i2cBus, PN532_ADDR } from '../drivers/pn532-bus';
import type { Flash } from '../ports';
import {
  espruinoAes,
  espruinoClock,
  espruinoOutputs,
  espruinoRandom,
  espruinoSystem,
  scanAdverts,
  serialLink,
} from './espruino-ports';

/** The board is the build's BW_BOARD (espruino.d.ts). */
export function runReader(): void {
  const sys = espruinoSystem();
  const aes = espruinoAes();
  if (!aes) {
    sys.log('badgewire: no crypto.AES (stock ' + BW_BOARD.name + ' firmware): not running');
    return;
  }
  // Storage itself is the Flash port (ports.ts).
  const flash: Flash = require('Storage');
  const cfg = flash.readJSON('bw.cfg', true) as { link?: string } | undefined;
  const which = (cfg && cfg.link) || BW_BOARD.link;
  // An nRF52 has one UART: where the PN532 holds it (HSU), BLE is the only host link.
  if (BW_BOARD.nfc === 'hsu' && which !== 'ble') {
    sys.log('badgewire: Serial1 drives the PN532 on ' + BW_BOARD.name + ': set "link":"ble"');
    return;
  }
  // Written so that the build folds it: BLE only on an HSU board, no Serial2 on a one-UART board.
  const ble = BW_BOARD.nfc === 'hsu' || which === 'ble';
  const port: EspruinoSerial = ble
    ? Bluetooth
    : which === 'Serial2' && BW_BOARD.uarts > 1
      ? Serial2
      : Serial1;
  if (!ble) port.setup(BW_BOARD.baud, { rx: BW_BOARD.linkRx, tx: BW_BOARD.linkTx });
  let bus: Pn532Bus;
  // BW_BOARD.nfc is the profile's wiring, fixed at build time, so the bundle carries only one bus driver.
  if (BW_BOARD.nfc === 'i2c') {
    I2C1.setup({ scl: BW_BOARD.scl, sda: BW_BOARD.sda, bitrate: 100000 });
    bus = i2cBus(I2C1, PN532_ADDR);
  } else {
    Serial1.setup(115200, { rx: BW_BOARD.rx, tx: BW_BOARD.tx });
    bus = hsuBus(Serial1, 300);
  }
  const r = startReader(
    {
      radio: { scan: scanAdverts },
      nfc: pn532(bus, espruinoClock, PN532_DEFAULTS),
      flash: flash,
      out: espruinoOutputs(),
      clock: espruinoClock,
      sys: sys,
      link: serialLink(port, ble),
      aes: aes,
      rnd: espruinoRandom,
    },
    READER_TUNING,
    BW_VERSION,
  );
  if (r) E.setConsole(null, { force: true });
}
