/**
 * Every way a canary could have been written down: UTF-8, UTF-16 (both byte orders), hex (both cases, of the
 * UTF-8 or raw bytes), base64 and base64url at each of the three alignments a substring can take inside a longer
 * encoded stream, and CBOR text/byte string framing. Patterns shorter than MIN_PATTERN are skipped for base64
 * alignments whose stable core is too short to be meaningful (they would match by chance).
 */
import type { Canary } from './canary';

export const MIN_PATTERN = 6;

export interface Pattern {
  canary: Canary;
  encoding: string;
  bytes: Uint8Array;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function utf16(s: string, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 * i + (littleEndian ? 0 : 1)] = c & 255;
    out[2 * i + (littleEndian ? 1 : 0)] = c >> 8;
  }
  return out;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/**
 * The base64 characters that encode `b` whatever its alignment `shift` (0..2) inside a longer stream: encode it
 * behind `shift` filler bytes and keep only the characters that depend on canary bytes alone.
 */
function base64Core(b: Uint8Array, shift: number, url: boolean): string {
  const padded = Buffer.concat([Buffer.alloc(shift), Buffer.from(b)]);
  const enc = padded.toString(url ? 'base64url' : 'base64').replace(/=+$/, '');
  // Leading chars mixing filler bits: ceil(shift*8/6). Trailing chars may mix with whatever follows.
  const lead = Math.ceil((shift * 8) / 6);
  const totalBits = padded.length * 8;
  const fullChars = Math.floor(totalBits / 6);
  return enc.slice(lead, fullChars);
}

function cborHead(major: number, len: number): Uint8Array {
  if (len < 24) return new Uint8Array([(major << 5) | len]);
  if (len < 256) return new Uint8Array([(major << 5) | 24, len]);
  return new Uint8Array([(major << 5) | 25, len >> 8, len & 255]);
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function patternsFor(canary: Canary): Pattern[] {
  const out: Pattern[] = [];
  const add = (encoding: string, bytes: Uint8Array): void => {
    if (bytes.length >= MIN_PATTERN) out.push({ canary, encoding, bytes });
  };
  const ascii = (encoding: string, s: string): void => add(encoding, utf8(s));
  let raw: Uint8Array;
  if (typeof canary.value === 'string') {
    raw = utf8(canary.value);
    add('cbor-text', joined(cborHead(3, raw.length), raw));
    add('utf-8', raw);
    const lower = canary.value.toLowerCase();
    if (lower !== canary.value) ascii('utf-8 (lowercased)', lower);
    add('utf-16le', utf16(canary.value, true));
    add('utf-16be', utf16(canary.value, false));
  } else {
    raw = canary.value;
    add('cbor-bytes', joined(cborHead(2, raw.length), raw));
    add('raw bytes', raw);
    // Identifiers are also written as colon-separated hex (UIDs, MAC-like) by careless code.
    ascii('hex with colons', Array.from(raw, (v) => v.toString(16).padStart(2, '0')).join(':'));
    ascii('HEX WITH COLONS', Array.from(raw, (v) => v.toString(16).padStart(2, '0').toUpperCase()).join(':'));
  }
  ascii('hex', hex(raw));
  ascii('HEX', hex(raw).toUpperCase());
  for (let shift = 0; shift < 3; shift++) {
    ascii(`base64 (alignment ${shift})`, base64Core(raw, shift, false));
    ascii(`base64url (alignment ${shift})`, base64Core(raw, shift, true));
  }
  // Identical patterns under several names (e.g. base64 == base64url when no +/ occurs) are reported once.
  const seen = new Set<string>();
  return out.filter((p) => {
    const k = hex(p.bytes);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
