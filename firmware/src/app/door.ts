/**
 * Door and feedback: acts only on authenticated DECISION messages. Granted: relay pulse, green LED and a
 * short beep; denied: red LED and a long beep. The relay pulse is capped so a decision cannot hold a door
 * open indefinitely. The LED and buzzer patterns are literals at their use, not module constants: booted from
 * Storage, function text stays in flash, while a module-level array would hold RAM for the reader's lifetime.
 */
import type { Outputs } from '../ports';
import { LED_GREEN, LED_RED } from '../ports';
import { MAX_RELAY_MS } from './msg';

export { MAX_RELAY_MS } from './msg';

export class Door {
  out: Outputs;
  relayMs: number;
  opened: number;

  constructor(out: Outputs, relayMs: number) {
    this.out = out;
    this.relayMs = relayMs;
    this.opened = 0;
  }

  /** An authenticated decision for the latest tap; `ms` 0 means the configured pulse. */
  decide(allow: boolean, ms: number): void {
    if (allow) {
      ms = ms > 0 ? Math.min(ms, MAX_RELAY_MS) : this.relayMs;
      this.opened++;
      this.out.relay(ms);
      this.out.led(LED_GREEN, [800]);
      this.out.beep([80]);
    } else {
      this.out.led(LED_RED, [200, 100, 200, 100, 200]);
      this.out.beep([400]);
    }
  }

  /** A tap while the host is unreachable: fail closed, and say so. */
  offline(): void {
    this.out.led(LED_RED, [100, 100, 100]);
    this.out.beep([400]);
  }
}
