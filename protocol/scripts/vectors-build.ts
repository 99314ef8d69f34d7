/**
 * Builds protocol/vectors/*.json from the current code: framing, the CBOR subset and the message set, plus
 * badge frames carried in messages. `gen-vectors.ts` writes them; test/generated-vectors.test.ts recomputes
 * them and fails on any difference, so a wire change is always a visible diff of a checked-in file.
 * Inputs are fixed here (no randomness); outputs are whatever the code produces.
 */
import { encodeAdvertisement } from '../src/badge/advert';
import { ephId } from '../src/badge/ephid';
import { encodeTap, HDR_TAP_C } from '../src/badge/tap';
import { ascii, fromHex, toHex } from '../src/bytes';
import { decodeCborHost } from '../src/cbor/cborx';
import { type CborMap, type CborValue, decodeCbor, encodeCbor } from '../src/cbor/mini';
import { nobleAes } from '../src/crypto/noble';
import { errorName, type Fail } from '../src/errors';
import { BLE_DEFAULT_WRITE, chunkForBle } from '../src/frame/ble';
import { crc16 } from '../src/frame/crc';
import { Deframer } from '../src/frame/deframer';
import { encodeFrame } from '../src/frame/frame';
import { decodeMessage, encodeMessage, type Message, MSG_NAMES } from '../src/link/messages';
import { badgeVector } from './vectors-badge';
import { sessionVector } from './vectors-session';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const SOURCE = {
  document:
    'badgewire protocol spec, part 20: framing, CBOR subset, messages (protocol/spec/20-framing-cbor-messages.md)',
  generator: 'protocol/scripts/gen-vectors.ts (npm run vectors -w @badgewire/protocol)',
};

/** Value model -> the RFC 8949 Appendix A notation of ../shared/vectors: $bytes for bstr, $map for int keys. */
export function toNotation(v: CborValue): Json {
  if (v instanceof Uint8Array) return { $bytes: toHex(v) };
  if (Array.isArray(v)) return v.map(toNotation);
  if (v !== null && typeof v === 'object') {
    return {
      $map: Object.keys(v).map((k) => [Number(k), toNotation((v as CborMap)[Number(k)] as CborValue)]),
    };
  }
  return v;
}

function messageJson(m: Message): Json {
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(m)) out[k] = toNotation(v as CborValue);
  return out;
}

function fault(f: Fail): Json {
  return { code: f.code, name: errorName(f.code), at: f.at };
}

function deframe(stream: Uint8Array): { frames: string[]; faults: Json[] } {
  const frames: string[] = [];
  const faults: Json[] = [];
  const d = new Deframer(
    (p) => frames.push(toHex(p)),
    (f) => faults.push(fault(f)),
  );
  d.push(stream);
  return { frames, faults };
}

const hex16 = (v: number) => v.toString(16).padStart(4, '0');
const seq = (n: number, from: number) => new Uint8Array(n).map((_, i) => (from + i) & 255);
const fill = (n: number, v: number) => new Uint8Array(n).fill(v);

function frameVectors(): Json {
  const payloads: [string, Uint8Array][] = [
    ['one zero byte', fromHex('00')],
    ['ASCII "hello"', ascii('hello')],
    ['zeros inside', fromHex('0100020000ff')],
    ['254 non-zero bytes (one full COBS block)', seq(254, 1)],
    ['512 bytes, the maximum payload', seq(512, 0)],
    [
      'a TIME message body (illustrative: on the wire the payload is a BW-SC packet)',
      encodeMessage({ type: 22, seq: 5, epochS: 1700000000 }),
    ],
  ];
  const good = encodeFrame(fromHex('c0ffee'));
  const badCrc = new Uint8Array(good);
  badCrc[1] = (badCrc[1] as number) ^ 1;
  const streams: [string, Uint8Array][] = [
    [
      'two frames with idle delimiters',
      fromHex('0000' + toHex(encodeFrame(fromHex('01'))) + '00' + toHex(good)),
    ],
    ['CRC mismatch, then a good frame', fromHex(toHex(badCrc) + toHex(good))],
    ['COBS block runs into the delimiter', fromHex('051122' + '00' + toHex(good))],
    ['too short for a CRC', fromHex('020100' + toHex(good))],
    [
      'garbage without delimiter longer than a frame, then a good frame',
      fromHex('07'.repeat(600) + '00' + toHex(good)),
    ],
    ['mid-frame start (resynchronisation)', fromHex(toHex(good).slice(4) + toHex(good))],
  ];
  const ble = encodeFrame(seq(45, 0x30));
  return {
    source: SOURCE,
    algorithm:
      'frame = COBS(payload ‖ CRC16) ‖ 00; CRC-16/AUG-CCITT (poly 1021, init 1d0f, no reflection, no xorout) over the payload, appended LSB first; payload 1..512 bytes',
    crc: [
      { id: 'catalogue check value', data_ascii: '123456789', crc16: hex16(crc16(ascii('123456789'))) },
      { id: 'empty input is the init value', data_hex: '', crc16: hex16(crc16(new Uint8Array(0))) },
    ],
    frames: payloads.map(([id, p]) => {
      const c = crc16(p);
      return {
        id: id,
        payload: toHex(p),
        crc_le: toHex(new Uint8Array([c & 255, c >> 8])),
        framed: toHex(encodeFrame(p)),
      };
    }),
    streams: streams.map(([id, s]) => ({ id: id, stream: toHex(s), ...deframe(s) })),
    ble: [
      {
        id: 'a 45-byte payload in 20-byte writes (ATT_MTU 23)',
        payload: toHex(seq(45, 0x30)),
        writes: chunkForBle(ble, BLE_DEFAULT_WRITE).map(toHex),
      },
    ],
  };
}

function cborVectors(): Json {
  const accept: [string, CborValue][] = [
    ['uint limits', [0, 23, 24, 255, 256, 65535, 65536, 4294967295]],
    ['nint limits', [-1, -24, -25, -256, -257, -65536, -65537, -4294967296]],
    ['bytes and text', [fromHex('00ff'), '', 'ü水𐅑']],
    ['map with sorted uint keys', { 0: 16, 1: 7, 24: true, 256: null, 4294967295: false }],
    ['8 nested arrays (the depth limit)', [[[[[[[[]]]]]]]]],
  ];
  const reject = [
    '1817',
    '1b0000000000000001',
    '1b0000000100000000',
    'a202010102',
    'a201010102',
    'a1616101',
    '0000',
    '62c328',
    '63eda080',
    '818181818181818180',
    '830102',
    '5a00010000',
    '990100',
    '1c',
    'ff',
    'f81f',
    'f7',
    'f93c00',
    'c11a514b67b0',
    '9fff',
  ];
  return {
    source: SOURCE,
    subset:
      'uint/nint with |head| <= 4 bytes, bstr, tstr (valid UTF-8), definite arrays, definite maps with ascending unique uint keys, false/true/null; depth <= 8, <= 255 items per container, input <= 512 bytes; shortest heads only',
    accept: accept.map(([id, v]) => ({ id: id, value: toNotation(v), hex: toHex(encodeCbor(v)) })),
    reject: reject.map((hex) => {
      const d = decodeCbor(fromHex(hex));
      const h = decodeCborHost(fromHex(hex));
      return {
        hex: hex,
        device: d.ok ? 'ACCEPTED' : fault(d),
        host: h.ok ? 'ACCEPTED' : { code: h.code, name: errorName(h.code) },
      };
    }),
  };
}

const BADGE_INPUTS = {
  k_id: '000102030405060708090a0b0c0d0e0f',
  k_tap: 'f0e0d0c0b0a090807060504030201000',
  slot: 6640625,
  company_id: 'ffff',
  tap_ctr: 42,
};

function sampleMessages(): Message[] {
  // Badge frames from the badge layer, so a sighting and a tap carry real ciphertext (fixed test keys).
  const kId = fromHex(BADGE_INPUTS.k_id);
  const kTap = fromHex(BADGE_INPUTS.k_tap);
  const eph = ephId(nobleAes, kId, BADGE_INPUTS.slot);
  const adv = encodeAdvertisement(0xffff, eph);
  const tap = encodeTap(nobleAes, kTap, eph, HDR_TAP_C, 42, 1700000000, fromHex('1122334455667788'));
  const msgs: Message[] = [
    { type: 16, seq: 1, adv: adv, rssi: -67, uptimeMs: 123456, count: 3 },
    { type: 17, seq: 2, frame: tap, kind: 0, challengeId: 1000, uptimeMs: 124000 },
    { type: 18, seq: 1, tapSeq: 2, allow: true, relayMs: 3000, led: 1, buzzer: 2, reason: 0 },
    { type: 19, seq: 0 },
    {
      type: 19,
      seq: 0,
      uptimeS: 86400,
      freeVars: 1200,
      errorFlags: 0,
      fw: '2v29-bw0.1',
      tamper: false,
      queued: 4,
    },
    {
      type: 20,
      seq: 2,
      doorId: 12,
      mode: 0,
      scanIntervalMs: 100,
      scanWindowMs: 50,
      rssiFloor: -90,
      dedupMs: 5000,
    },
    { type: 21, seq: 3, list: [fromHex('1122334455667788'), fill(8, 0x99)], ttlS: 300, firstId: 1000 },
    { type: 22, seq: 4, epochS: 1700000000 },
    { type: 23, seq: 0, durable: 7, base: 3 },
    { type: 24, seq: 0, code: 302, refType: 99 },
    { type: 25, seq: 5, key: fill(32, 0x5a), keyId: 2 },
  ];
  return msgs;
}

function messageVectors(): Json {
  const msgs = sampleMessages();
  const bad: [string, CborValue][] = [
    ['not a map', [22, 1]],
    ['no type', { 1: 5 }],
    ['unknown type 99 (SKIP: answer ERROR, carry on)', { 0: 99, 1: 1 }],
    ['TIME without seq', { 0: 22, 2: 1 }],
    ['TIME with a negative epoch', { 0: 22, 1: 1, 2: -5 }],
    ['SIGHTING rssi +21 dBm', { 0: 16, 1: 1, 2: fill(24, 1), 3: 21, 4: 0 }],
    ['CONFIG window longer than interval', { 0: 20, 1: 1, 2: 1, 3: 0, 4: 50, 5: 100, 6: -90, 7: 0 }],
    ['REKEY with a 16-byte key', { 0: 25, 1: 1, 2: fill(16, 1), 3: 1 }],
  ];
  return {
    source: SOURCE,
    badge_inputs: BADGE_INPUTS,
    messages: msgs.map((m) => ({
      name: MSG_NAMES[m.type] ?? '?',
      message: messageJson(m),
      cbor: toHex(encodeMessage(m)),
    })),
    unknown_field_ignored: {
      cbor: toHex(encodeCbor({ 0: 22, 1: 5, 2: 99, 9: 'future' })),
      decodes_to: (() => {
        const r = decodeMessage(encodeCbor({ 0: 22, 1: 5, 2: 99, 9: 'future' }));
        return r.ok ? messageJson(r.value) : fault(r);
      })(),
    },
    reject: bad.map(([id, v]) => {
      const r = decodeMessage(encodeCbor(v));
      return { id: id, cbor: toHex(encodeCbor(v)), fault: r.ok ? 'ACCEPTED' : fault(r) };
    }),
  };
}

export function buildVectors(): { [file: string]: Json } {
  return {
    'frames.json': frameVectors(),
    'cbor-subset.json': cborVectors(),
    'messages.json': messageVectors(),
    'link-session.json': sessionVector(SOURCE, sampleMessages()),
    'badge-frames.json': badgeVector({
      document:
        'badgewire protocol spec, part 10: keys, badge frames (protocol/spec/10-keys-and-badges.md §10.3-§10.5)',
      generator: SOURCE.generator,
    }),
  };
}
