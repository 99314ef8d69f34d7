/**
 * Reader configuration and identity, written to Storage (`bw.cfg`, JSON) by the provisioning tool:
 *   { "id": 16 hex (reader id), "key": 64 hex (K_r), "door": n, "cid": company id,
 *     "si": scan interval ms, "sw": scan window ms, "dd": de-dup window ms, "relay": ms }
 * A missing or unusable file means "unprovisioned": the reader refuses to run (no scan, no NFC, no link).
 */
import { keyUsable } from '@badgewire/protocol/device';
import type { Flash } from '../ports';

export const CONFIG_FILE = 'bw.cfg';

export interface ReaderConfig {
  id: Uint8Array;
  key: Uint8Array;
  cid: number;
  si: number;
  sw: number;
  dd: number;
  relay: number;
}

interface RawConfig {
  id?: unknown;
  key?: unknown;
  cid?: unknown;
  si?: unknown;
  sw?: unknown;
  dd?: unknown;
  relay?: unknown;
}

/** `v` when it is a number (`v === +v`: not NaN, fewer bytes than typeof) in [lo, hi], else the default. */
function num(v: unknown, dflt: number, lo: number, hi: number): number {
  return v === +(v as number) && (v as number) >= lo && (v as number) <= hi ? (v as number) : dflt;
}

/**
 * `len` bytes from 2·len hex digits (either case), or null: no throw to catch, unlike the protocol's fromHex. The
 * pattern refuses anything but hex digits (sign, space, "x"), and anything that is not a string: a number, array or
 * object reads as text with other characters, or without the length.
 */
function hexOf(v: unknown, len: number): Uint8Array | null {
  if (!/^[0-9a-f]*$/i.test(v as string) || (v as string).length !== len * 2) return null;
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = parseInt((v as string).substr(i * 2, 2), 16);
  return out;
}

/**
 * The configuration, or null when the reader is not (or not correctly) provisioned. A key the channel cannot
 * use (all one byte value, e.g. an erased page) is refused one layer down, by the protocol's responder. `door`
 * is the host's business (its CONFIG names it); the reader does not read it.
 */
export function loadConfig(flash: Flash): ReaderConfig | null {
  const raw = (flash.readJSON(CONFIG_FILE, true) || {}) as RawConfig;
  const id = hexOf(raw.id, 8);
  const key = hexOf(raw.key, 32);
  return id && key
    ? {
        id: id,
        key: key,
        cid: num(raw.cid, 0xffff, 0, 0xffff),
        si: num(raw.si, 100, 10, 10000),
        sw: num(raw.sw, 100, 10, 10000),
        dd: num(raw.dd, 30000, 1000, 600000),
        relay: num(raw.relay, 3000, 100, 10000),
      }
    : null;
}

/** Stores a new link key (REKEY) in the config file; true once it is in flash. */
export function saveKey(flash: Flash, key: unknown): boolean {
  const raw = flash.readJSON(CONFIG_FILE, true) as { key?: string } | undefined;
  // The running reader booted from this file, so it is an object; the key must be one the channel can use.
  if (!raw || !(key instanceof Uint8Array) || !keyUsable(key)) return false;
  // Hex by hand (each byte + 256 in base 16, its leading 1 cut): the protocol's toHex would bring its own
  // digit table into the bundle for this one call.
  let h = '';
  for (const b of key) h += (256 + b).toString(16).substr(1);
  raw.key = h;
  return flash.writeJSON(CONFIG_FILE, raw);
}
