/**
 * Boots the badge on an nRF52 board (Puck.js, MDBT42Q): rotating advertising plus NFC tag emulation.
 * Refuses to run without native AES or without provisioning.
 */
import { BADGE_TUNING, startBadge } from '../app/badge';
import {
  beaconRadio,
  espruinoAes,
  espruinoClock,
  espruinoFlash,
  espruinoRandom,
  espruinoTag,
} from './espruino-ports';

/** The board is the build's BW_BOARD (espruino.d.ts). */
export function runBadge(): void {
  const aes = espruinoAes();
  if (!aes) {
    console.log('badgewire: no crypto.AES (stock ' + BW_BOARD.name + ' firmware): not running');
    return;
  }
  startBadge(
    {
      radio: beaconRadio(),
      tag: espruinoTag(),
      flash: espruinoFlash(),
      clock: espruinoClock,
      aes: aes,
      rnd: espruinoRandom,
      log: (m: string) => {
        console.log(m);
      },
    },
    BADGE_TUNING,
  );
}
