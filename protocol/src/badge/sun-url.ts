/**
 * Parses the URL an NTAG 424 DNA mirrors into its NDEF file (AN12196 §4): the query parameters hold
 * uppercase ASCII hex written by the tag. Host only. The MAC input is a byte range of the same file, which in the
 * URL is a substring: from the first byte of the `macFrom` parameter's value up to the first byte of the
 * MAC value (empty when `macFrom` is not set, the common configuration). Never throws.
 */
import { ascii } from '../bytes';
import { E_SUN_FORMAT, fail, ok, type Result } from '../errors';
import type { SunMessage } from './sun';

export interface SunUrlLayout {
  picc: string;
  mac: string;
  enc: string | null;
  macFrom: string | null;
}

/** The layout of AN12196 p.12 (`?e=…&c=…`, empty MAC input). */
export const SUN_DEFAULT_LAYOUT: SunUrlLayout = { picc: 'e', mac: 'c', enc: null, macFrom: null };

const MAX_URL = 1024;

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Decodes `len` hex characters at `at`, or returns null. */
function hexAt(s: string, at: number, len: number): Uint8Array | null {
  const out = new Uint8Array(len >> 1);
  for (let i = 0; i < out.length; i++) {
    const hi = hexVal(s.charCodeAt(at + 2 * i));
    const lo = hexVal(s.charCodeAt(at + 2 * i + 1));
    if (hi < 0 || lo < 0) return null;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function parseSunUrl(url: string, layout: SunUrlLayout): Result<SunMessage> {
  if (url.length > MAX_URL) return fail(E_SUN_FORMAT, MAX_URL);
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return fail(E_SUN_FORMAT, i);
  }
  const q = url.indexOf('?');
  if (q < 0) return fail(E_SUN_FORMAT, url.length);
  const starts = new Map<string, number>();
  const lens = new Map<string, number>();
  let i = q + 1;
  while (i <= url.length) {
    let end = url.indexOf('&', i);
    if (end < 0) end = url.length;
    const eq = url.indexOf('=', i);
    if (eq < 0 || eq > end) return fail(E_SUN_FORMAT, i);
    const name = url.substring(i, eq);
    if (starts.has(name)) return fail(E_SUN_FORMAT, i);
    starts.set(name, eq + 1);
    lens.set(name, end - eq - 1);
    i = end + 1;
  }
  const ps = starts.get(layout.picc);
  const ms = starts.get(layout.mac);
  if (ps === undefined || ms === undefined) return fail(E_SUN_FORMAT, -1);
  if (lens.get(layout.picc) !== 32) return fail(E_SUN_FORMAT, ps);
  if (lens.get(layout.mac) !== 16) return fail(E_SUN_FORMAT, ms);
  const picc = hexAt(url, ps, 32);
  if (picc === null) return fail(E_SUN_FORMAT, ps);
  const mac = hexAt(url, ms, 16);
  if (mac === null) return fail(E_SUN_FORMAT, ms);
  let encFile: Uint8Array | null = null;
  if (layout.enc !== null) {
    const es = starts.get(layout.enc);
    const el = lens.get(layout.enc);
    if (es === undefined || el === undefined) return fail(E_SUN_FORMAT, -1);
    if (el === 0 || el % 32 !== 0) return fail(E_SUN_FORMAT, es);
    encFile = hexAt(url, es, el);
    if (encFile === null) return fail(E_SUN_FORMAT, es);
  }
  let macInput: Uint8Array = new Uint8Array(0);
  if (layout.macFrom !== null) {
    const fs = starts.get(layout.macFrom);
    if (fs === undefined || fs > ms) return fail(E_SUN_FORMAT, -1);
    macInput = ascii(url.substring(fs, ms));
  }
  return ok({ picc: picc, mac: mac, macInput: macInput, encFile: encFile });
}
