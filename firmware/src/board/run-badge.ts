/**
 * Boots the badge on an nRF52 board (Puck.js, MDBT42Q): rotating advertising plus NFC tag emulation.
 * Refuses to run without native AES or without provisioning.
 */
import { BADGE_TUNING, startBadge } from '../app/badge';
import {
  espruinoAes,
  espruinoClock,
  espruinoFlash,
  espruinoRadio,
  espruinoRandom,
  espruinoSystem,
  espruinoTag,
} from './espruino-ports';
import type { BoardProfile } from './profiles';

export function runBadge(b: BoardProfile): void {
  const sys = espruinoSystem(b.pins);
  const aes = espruinoAes();
  if (!aes) {
    sys.log(
      'badgewire: this Espruino build has no crypto.AES (stock ' + b.name + ' firmware). Refusing to run.',
    );
    return;
  }
  startBadge(
    {
      radio: espruinoRadio(),
      tag: espruinoTag(),
      flash: espruinoFlash(),
      clock: espruinoClock,
      aes: aes,
      rnd: espruinoRandom,
      sys: sys,
    },
    BADGE_TUNING,
  );
}
