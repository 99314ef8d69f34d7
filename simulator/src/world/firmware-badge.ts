/**
 * A sample of badges runs the real badge bundle (firmware/src/board/run-badge, built for the Puck.js) in the
 * Espruino runtime on the world's clock: the bundle rotates its own EphID and address, and the air carries
 * exactly what it advertises. Provisioned like the tool does it: `bw.badge` = K_id ‖ K_tap ‖ CID (LE) and
 * `bw.clk` = the badge time to start from. The rest of the crowd uses the protocol builders (badges.ts).
 */
import { buildFirmware } from '@badgewire/firmware/build';
import type { BadgeKeys } from '@badgewire/protocol';
import type { VirtualClock } from '../clock';
import { EspruinoDevice } from '../espruino/index';
import { SIM_CID } from './badges';

let bundle: Promise<string> | null = null;

/** The badge bundle, built once per process in memory (same gate as `badgewire build`). */
export function badgeBundle(): Promise<string> {
  if (!bundle)
    bundle = buildFirmware('puckjs', 'badge', { write: false }).then((r) => {
      if (!r.ok)
        throw new Error(`badge bundle refused by the firmware gate: ${r.violations.length} violations`);
      return r.code;
    });
  return bundle;
}

export class FirmwareBadge {
  readonly dev: EspruinoDevice;

  constructor(code: string, clock: VirtualClock, keys: BadgeKeys, badgeTimeS: number, seed: number) {
    this.dev = new EspruinoDevice({ board: 'puckjs', clock, seed, guardMs: 60_000 });
    this.dev.install(code);
    const id = new Uint8Array(34);
    id.set(keys.kId, 0);
    id.set(keys.kTap, 16);
    id[32] = SIM_CID & 255;
    id[33] = SIM_CID >>> 8;
    this.dev.storage.write('bw.badge', id);
    this.dev.storage.write('bw.clk', new TextEncoder().encode(JSON.stringify({ t: badgeTimeS })));
    this.dev.boot();
  }

  /** What the badge advertises right now (its data and address), or null when it is not advertising. */
  emission(): { adv: Uint8Array; address: string } | null {
    const a = this.dev.radio.advertising;
    const p = a?.packets[0];
    return p ? { adv: p, address: this.dev.radio.address } : null;
  }
}
