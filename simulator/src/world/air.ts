/**
 * The air: which readers hear which advertisements, and at what RSSI. Log-distance path loss with seeded
 * Gaussian noise; each advertisement is lost independently, so a reader listening for a whole step hears a
 * badge unless every advertisement of the step was lost. Everything transmitted is also captured for the
 * PII audit (one copy per distinct frame: a badge repeats one frame for a whole slot).
 */
import type { SeededRandom } from '../random';
import type { AirSpec } from './scenario';

export class Air {
  /** Distinct frames sent over the air (BLE advertising data + address, NFC exchanges), for the audit. */
  readonly capture: Uint8Array[] = [];
  captured = 0;
  private readonly seen = new Set<string>();
  private spare: number | null = null;

  constructor(
    readonly spec: AirSpec,
    private readonly rng: SeededRandom,
    private readonly captureLimit: number,
  ) {}

  private gauss(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = Math.max(this.rng.next(), 1e-12);
    const v = this.rng.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** RSSI at `distanceM` metres, rounded to whole dBm as a radio reports it. */
  rssi(distanceM: number): number {
    const d = Math.max(distanceM, 0.5);
    const v =
      this.spec.txPowerDbm -
      10 * this.spec.pathLossExponent * Math.log10(d) +
      this.spec.noiseDb * this.gauss();
    return Math.max(-127, Math.min(20, Math.round(v)));
  }

  /** Whether a reader listening for `windowMs` hears at least one advertisement at this RSSI. */
  heard(rssi: number, windowMs: number): boolean {
    if (rssi < this.spec.rssiFloorDbm) return false;
    const k = Math.max(1, Math.floor(windowMs / this.spec.advIntervalMs));
    return this.rng.next() >= this.spec.loss ** k;
  }

  /** Records a transmitted frame once (`key` identifies repeats of the same frame). */
  transmit(key: string, frame: Uint8Array): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.captured++;
    if (this.capture.length < this.captureLimit) this.capture.push(frame);
  }

  /** Everything captured, as one byte stream for the audit. */
  bytes(): Uint8Array {
    let n = 0;
    for (const f of this.capture) n += f.length + 1;
    const out = new Uint8Array(n);
    let o = 0;
    for (const f of this.capture) {
      out.set(f, o);
      o += f.length + 1;
    }
    return out;
  }
}
