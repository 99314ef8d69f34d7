/**
 * Door and feedback: acts only on authenticated DECISION messages: relay pulse when granted, then the LED and
 * buzzer patterns the DECISION names. The relay pulse is capped so a decision cannot hold a door
 * open indefinitely. The LED and buzzer patterns are literals at their use, not module constants: booted from
 * Storage, function text stays in flash, while a module-level array would hold RAM for the reader's lifetime.
 */
import type { Outputs } from '../ports';
import { LED_GREEN, LED_RED } from '../ports';
import { MAX_RELAY_MS } from './msg';

export { MAX_RELAY_MS } from './msg';

/**
 * An authenticated decision for the latest tap; `ms` 0 means the configured pulse `relayMs`. `led` and
 * `buzzer` are the DECISION's pattern ids (the host engine's numbering, host/src/engine/codes.ts): LED 1 green,
 * 2 amber, 3 red, 0 by the verdict; buzzer 0 silent, 1 short, 2 long. Plain functions, not a class: on the
 * board each method and instance field holds JsVars.
 */
export function decide(
  out: Outputs,
  relayMs: number,
  allow: boolean,
  ms: number,
  led: number,
  buzzer: number,
): void {
  if (allow) out.relay(ms > 0 ? Math.min(ms, MAX_RELAY_MS) : relayMs);
  const c =
    led === 1
      ? LED_GREEN
      : led === 2
        ? LED_GREEN | LED_RED
        : led === 3
          ? LED_RED
          : allow
            ? LED_GREEN
            : LED_RED;
  // Steady for green, blinking for anything else, so amber and red also read apart by eye.
  out.led(c, c === LED_GREEN ? [800] : [200, 100, 200, 100, 200]);
  if (buzzer === 1) out.beep([80]);
  else if (buzzer === 2) out.beep([400]);
}

/** A tap while the host is unreachable: fail closed, and say so. */
export function offline(out: Outputs): void {
  out.led(LED_RED, [100, 100, 100]);
  out.beep([400]);
}
