/**
 * The log redactor: every value on its way to a log line passes through here, so a key, a badge secret or a
 * piece of PII that slipped into a log call by mistake is masked before it is written. Three nets, in order:
 * field names that mean "secret" or "personal", byte containers, and string contents that look like key
 * material (16/32-byte hex or base64 runs), e-mail addresses or phone numbers.
 */

/** Field names whose value is secret whatever it looks like. `kId`/`kTap` are the badge keys (wire §9.4). */
const SECRET_FIELD =
  /^(k_?id|k_?tap|k_?b|k_?r|mk|ikm|dek|kek)$|key$|keys$|secret|passphrase|password|passwd|token|salt|seed|private|credential|cookie|signature|authorization/i;
/** Names that end like an identifier of a key, not the key itself: safe to keep (e.g. `keyId`, `keyFp`). */
const SAFE_SUFFIX = /(id|ids|fp|fingerprint|count|state|states|kind|path|file|env|alg|length|len|at)$/i;
/** Personal data the host must never write: names, contact details, stable badge/attendee ids, NFC UIDs. */
const PII_FIELD =
  /^(name|first_?name|last_?name|full_?name|display_?name|given_?name|family_?name|email|e_?mail|phone|mobile|tel|telephone|company|organi[sz]ation|employer|job_?title|address|street|uid|nfc_?uid|serial|serials|badge_?serial|attendee_?id|badge_?id|person|attendee)$/i;

/** True when a field of this name would hold personal data (the journal refuses such fields outright). */
export function isPiiField(name: string): boolean {
  return PII_FIELD.test(name);
}

/** True when a string carries an e-mail address or phone number. */
export function hasPiiText(s: string): boolean {
  // Cheap prefilter: most values (hex frames, refs) have neither an '@' nor a '+' or digit run.
  const at = s.includes('@');
  if (!at && !/\d[\s().-]?\d/.test(s)) return false;
  EMAIL.lastIndex = 0;
  PHONE.lastIndex = 0;
  // An address needs its '@': a digit-bearing ref (every badge ref) skips the costlier e-mail scan.
  const hit = (at && EMAIL.test(s)) || PHONE.test(s);
  EMAIL.lastIndex = 0;
  PHONE.lastIndex = 0;
  return hit;
}

const HEX_RUN = /(?:0x)?[0-9a-fA-F]{32,}/g;
const B64_RUN = /[A-Za-z0-9+/_-]{22,}={0,2}/g;
// Bounded parts (RFC 5321 limits) keep the scan linear on long inputs without an '@'.
const EMAIL = /[^\s@"'<>(),;:]{1,64}@[^\s@"'<>(),;:]{1,255}\.[A-Za-z]{2,24}/g;
const PHONE = /\+\d[\d\s().-]{6,}\d|\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b/g;
const CAMEL_WORD = /^[a-z]+(?:[A-Z][a-z]+)*$/;

function looksLikeBase64Secret(run: string): boolean {
  const body = run.replace(/=+$/, '');
  if (!/[a-z]/.test(body) || !/[A-Z]/.test(body)) return false;
  // A long camelCase identifier is the one honest mixed-case run we print; random base64 is never that shape.
  return !CAMEL_WORD.test(body);
}

export function redactString(s: string): string {
  if (s.length < 10) return s;
  return s
    .replace(HEX_RUN, '[redacted-hex]')
    .replace(B64_RUN, (run) => (looksLikeBase64Secret(run) ? '[redacted-b64]' : run))
    .replace(EMAIL, '[pii-email]')
    .replace(PHONE, '[pii-phone]');
}

function fieldVerdict(name: string): 'secret' | 'pii' | 'keep' {
  if (PII_FIELD.test(name)) return 'pii';
  if (/^(k_?id|k_?tap)$/i.test(name)) return 'secret';
  if (SECRET_FIELD.test(name) && !SAFE_SUFFIX.test(name)) return 'secret';
  return 'keep';
}

function redactError(e: Error, depth: number, seen: Set<object>): Record<string, unknown> {
  const out: Record<string, unknown> = { type: e.name, message: redactString(e.message) };
  const code = (e as { code?: unknown }).code;
  if (code !== undefined) out.code = redactValue(code, depth + 1, seen);
  const context = (e as { context?: unknown }).context;
  if (context !== undefined) out.context = redactValue(context, depth + 1, seen);
  if (e.stack) out.stack = redactString(e.stack);
  if (e.cause !== undefined) out.cause = redactValue(e.cause, depth + 1, seen);
  return out;
}

/** A deep copy of `v` with secrets, byte arrays and PII masked. Cycles and depth are bounded. */
export function redactValue(v: unknown, depth = 0, seen: Set<object> = new Set()): unknown {
  if (typeof v === 'string') return redactString(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'object' || v === null) return typeof v === 'function' ? '[function]' : v;
  if (seen.has(v)) return '[circular]';
  if (depth > 8) return '[deep]';
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return `[bytes ${(v as ArrayBuffer).byteLength}]`;
  seen.add(v);
  try {
    if (v instanceof Error) return redactError(v, depth, seen);
    if (Array.isArray(v)) return v.map((x) => redactValue(x, depth + 1, seen));
    if (v instanceof Map) return redactValue(Object.fromEntries(v), depth, seen);
    if (v instanceof Set) return redactValue([...v], depth, seen);
    if (isSerialisedBuffer(v)) return `[bytes ${(v as { data: unknown[] }).data.length}]`;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const verdict = fieldVerdict(k);
      out[k] =
        verdict === 'secret' ? '[redacted]' : verdict === 'pii' ? '[pii]' : redactValue(x, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(v);
  }
}

/** `Buffer#toJSON()` output: `{type:'Buffer', data:[...]}` as it reappears after a JSON round trip. */
function isSerialisedBuffer(v: object): boolean {
  const o = v as { type?: unknown; data?: unknown };
  return o.type === 'Buffer' && Array.isArray(o.data);
}

/** The last net, applied to each finished JSON log line (child bindings included): parse, redact, print. */
export function redactLine(line: string): string {
  const trimmed = line.endsWith('\n') ? line.slice(0, -1) : line;
  try {
    return `${JSON.stringify(redactValue(JSON.parse(trimmed)))}\n`;
  } catch {
    return `${JSON.stringify({ msg: redactString(trimmed), unparsed: true })}\n`;
  }
}
