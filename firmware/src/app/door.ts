/**
 * Door and feedback: acts only on authenticated DECISION messages: relay pulse when granted, then the LED and
 * buzzer patterns the DECISION names. The relay pulse is capped so a decision cannot hold a door
 * open indefinitely. The LED and buzzer patterns are literals at their use, not module constants: booted from
 * Storage, function text stays in flash, while a module-level array would hold RAM for the reader's lifetime.
 */
import type { CborMap } from '@badgewire/protocol/device';
import type { Outputs } from '../ports';
import { LED_GREEN, LED_RED } from '../ports';
import { MAX_RELAY_MS } from './msg';

export { MAX_RELAY_MS } from './msg';

/**
 * An authenticated DECISION for the latest tap (its CBOR map: 3 allow, 4 relay ms, 5 LED, 6 buzzer); relay ms 0
 * means the configured pulse `relayMs`. LED and buzzer are the DECISION's pattern ids (the host engine's
 * numbering, host/src/engine/codes.ts): LED 1 green, 2 amber, 3 red, 0 by the verdict; buzzer 0 silent,
 * 1 short, 2 long. A plain function, not a class: on the board each method and instance field holds JsVars.
 */
export function decide(out: Outputs, relayMs: number, m: CborMap): void {
  const allow = m[3] === true;
  const ms = m[4] as number;
  if (allow) out.relay(ms === +ms && ms > 0 ? Math.min(ms, MAX_RELAY_MS) : relayMs);
  // Tables at their use, not module constants (see above). An unknown id shows the verdict, stays silent.
  const c = [LED_GREEN, LED_GREEN | LED_RED, LED_RED][(m[5] as number) - 1] || (allow ? LED_GREEN : LED_RED);
  const z = [80, 400][(m[6] as number) - 1];
  // Steady for green, blinking for anything else, so amber and red also read apart by eye.
  out.led(c, c === LED_GREEN ? [800] : [200, 100, 200, 100, 200]);
  if (z) out.beep([z]);
}
