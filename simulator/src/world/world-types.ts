/** Shapes the world is made of: agents (attendees on the move), reader nodes, taps awaiting a decision. */
import type { Attendee } from './attendees';
import type { McuBadge, SunTag } from './badges';
import type { FirmwareBadge } from './firmware-badge';
import type { FirmwareReader } from './firmware-reader';
import type { SimReader } from './reader';
import type { Place, ReaderSpec } from './scenario';
import type { WireLink } from './wire';

export interface Agent {
  a: Attendee;
  badge: McuBadge | null;
  tag: SunTag | null;
  /** The real badge bundle in the Espruino runtime, for a sample of MCU badges (it then does the advertising). */
  fw: FirmwareBadge | null;
  place: Place | null;
  x: number;
  y: number;
  nextMoveS: number;
  /** Walking to `next`, arriving at `transitUntil` (seconds since start). */
  next: Place | null;
  transitUntil: number;
  /** Last reader that reported this badge, for the relay attacker. */
  lastHeard: { reader: ReaderDevice; atMs: number } | null;
}

export interface PendingTap {
  wallMs: number;
  expectAllow: boolean | null;
  attack: string | null;
}

/** A reader as the world drives it: the protocol-level model, or the real bundle in the Espruino runtime. */
export type ReaderDevice = SimReader | FirmwareReader;

export interface ReaderNode {
  spec: ReaderSpec;
  reader: ReaderDevice;
  wire: WireLink | null;
  wires: WireLink[];
  stolen: boolean;
}

export function toHexId(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function concatAscii(s: string, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(s.length + b.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  out.set(b, s.length);
  return out;
}
