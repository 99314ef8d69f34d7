import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/bytes';
import { decodeCborHost } from '../src/cbor/cborx';
import { type CborMap, encodeCbor } from '../src/cbor/mini';
import {
  ACTION_NAMES,
  E_CBOR_NON_CANONICAL,
  E_MSG_FIELD_RANGE,
  E_MSG_FIELD_TYPE,
  E_MSG_MISSING_FIELD,
  E_MSG_NOT_MAP,
  E_MSG_UNKNOWN_TYPE,
  ERRORS,
  errorAction,
  SKIP,
} from '../src/errors';
import {
  decodeAuthInfo,
  decodeMessage,
  encodeAuthInfo,
  encodeMessage,
  type Message,
  MSG_NAMES,
  messageFromCbor,
  SCHEMA,
} from '../src/link/messages';
import { anyMessage } from './messages-model';

const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

const samples: Message[] = [
  { type: 16, seq: 1, adv: bytes(17, 0xa5), rssi: -67, uptimeMs: 123456, count: 3 },
  { type: 17, seq: 2, frame: bytes(33, 0x5a), kind: 0, challengeId: 7, uptimeMs: 200000 },
  { type: 18, seq: 9, tapSeq: 2, allow: true, relayMs: 3000, led: 1, buzzer: 0, reason: 0 },
  { type: 19, seq: 0 },
  {
    type: 19,
    seq: 0,
    uptimeS: 86400,
    freeVars: 1200,
    errorFlags: 0,
    fw: '2v29-bw1',
    tamper: false,
    queued: 4,
  },
  {
    type: 20,
    seq: 3,
    doorId: 12,
    mode: 0,
    scanIntervalMs: 100,
    scanWindowMs: 50,
    rssiFloor: -90,
    dedupMs: 5000,
  },
  { type: 21, seq: 4, list: [bytes(8, 1), bytes(8, 2)], ttlS: 300, firstId: 1000 },
  { type: 22, seq: 5, epochS: 1700000000 },
  { type: 23, seq: 0, durable: 7, base: 3 },
  { type: 24, seq: 0, code: 302, refType: 99 },
  { type: 25, seq: 6, key: bytes(32, 0x11), keyId: 2 },
];

describe('link messages', () => {
  for (const m of samples) {
    it(`${MSG_NAMES[m.type]} round-trips through both CBOR codecs`, () => {
      const b = encodeMessage(m);
      expect(decodeMessage(b)).toEqual({ ok: true, value: m });
      const h = decodeCborHost(b);
      expect(h.ok && messageFromCbor(h.value)).toEqual({ ok: true, value: m });
    });
  }

  it('lays out TIME and ACK exactly as RFC 8949 canonical maps', () => {
    // {0: 22, 1: 5, 2: 1700000000}: map(3), keys ascending, 1700000000 = 0x6553f100 in a 4-byte head.
    expect(toHex(encodeMessage({ type: 22, seq: 5, epochS: 1700000000 }))).toBe('a300160105021a6553f100');
    // {0: 23, 1: 0, 2: 7}
    expect(toHex(encodeMessage({ type: 23, seq: 0, durable: 7 }))).toBe('a3001701000207');
  });

  it('accepts the maps the session layer sends (ACK with base, ERROR with type, bare HEARTBEAT)', () => {
    const fromSession: CborMap[] = [
      { 0: 23, 1: 0, 2: 10, 3: 4 },
      { 0: 24, 1: 0, 2: 302 },
      { 0: 24, 1: 0, 2: 302, 3: 99 },
      { 0: 19, 1: 0 },
    ];
    for (const m of fromSession) expect(decodeMessage(encodeCbor(m)).ok).toBe(true);
  });

  it('ignores unknown fields but keeps every known one', () => {
    const b = encodeCbor({ 0: 22, 1: 5, 2: 99, 9: 'future', 40: [1, 2] });
    expect(decodeMessage(b)).toEqual({ ok: true, value: { type: 22, seq: 5, epochS: 99 } });
  });

  it('types every schema fault; unknown types are SKIP so the session can answer ERROR and go on', () => {
    const cases: [CborMap | number[] | number, number, number][] = [
      [[1, 2], E_MSG_NOT_MAP, -1],
      [7, E_MSG_NOT_MAP, -1],
      [{ 1: 5 }, E_MSG_MISSING_FIELD, 0],
      [{ 0: -1 }, E_MSG_FIELD_TYPE, 0],
      [{ 0: 'x' }, E_MSG_FIELD_TYPE, 0],
      [{ 0: 99, 1: 1 }, E_MSG_UNKNOWN_TYPE, 0],
      [{ 0: 2, 1: 1 }, E_MSG_UNKNOWN_TYPE, 0], // handshake packets are not messages
      [{ 0: 22, 2: 1 }, E_MSG_MISSING_FIELD, 1],
      [{ 0: 22, 1: 1 }, E_MSG_MISSING_FIELD, 2],
      [{ 0: 22, 1: 1, 2: -5 }, E_MSG_FIELD_TYPE, 2],
      [{ 0: 22, 1: 1, 2: new Uint8Array(4) }, E_MSG_FIELD_TYPE, 2],
      [{ 0: 16, 1: 1, 2: bytes(32, 1), 3: -60, 4: 0 }, E_MSG_FIELD_RANGE, 2],
      [{ 0: 16, 1: 1, 2: bytes(17, 1), 3: 21, 4: 0 }, E_MSG_FIELD_RANGE, 3],
      [{ 0: 17, 1: 1, 2: bytes(33, 1), 3: 3, 5: 0 }, E_MSG_FIELD_RANGE, 3],
      [{ 0: 18, 1: 1, 2: 1, 3: 1, 4: 0, 5: 0, 6: 0, 7: 0 }, E_MSG_FIELD_TYPE, 3],
      [{ 0: 19, 1: 0, 5: '' }, E_MSG_FIELD_RANGE, 5],
      [{ 0: 20, 1: 1, 2: 1, 3: 0, 4: 50, 5: 100, 6: -90, 7: 0 }, E_MSG_FIELD_RANGE, 5],
      [{ 0: 21, 1: 1, 2: [bytes(8, 1), bytes(7, 1)], 3: 60, 4: 0 }, E_MSG_FIELD_RANGE, 2],
      [{ 0: 21, 1: 1, 2: [bytes(8, 1), 5], 3: 60, 4: 0 }, E_MSG_FIELD_TYPE, 2],
      [{ 0: 21, 1: 1, 2: [], 3: 60, 4: 0 }, E_MSG_FIELD_RANGE, 2],
      [{ 0: 24, 1: 0, 2: 0 }, E_MSG_FIELD_RANGE, 2],
      [{ 0: 25, 1: 1, 2: bytes(16, 1), 3: 1 }, E_MSG_FIELD_RANGE, 2],
    ];
    for (const [v, code, at] of cases) {
      expect(decodeMessage(encodeCbor(v))).toEqual({ ok: false, code: code, at: at });
    }
    expect(errorAction(E_MSG_UNKNOWN_TYPE)).toBe(SKIP);
  });

  it('passes CBOR faults through unchanged', () => {
    expect(decodeMessage(fromHex('a3010500160201'))).toMatchObject({ ok: false, code: E_CBOR_NON_CANONICAL });
  });

  it('refuses to encode a message that breaks its schema', () => {
    const bad = [
      { type: 99, seq: 1 },
      { type: 22, seq: 1 },
      { type: 22, seq: 1, epochS: 2 ** 32 },
      { type: 16, seq: 1, adv: bytes(40, 1), rssi: 0, uptimeMs: 0 },
      {
        type: 20,
        seq: 1,
        doorId: 1,
        mode: 0,
        scanIntervalMs: 50,
        scanWindowMs: 60,
        rssiFloor: -90,
        dedupMs: 0,
      },
    ];
    for (const m of bad) expect(() => encodeMessage(m as unknown as Message)).toThrow(TypeError);
  });

  it('has no field that could carry personal data, and every message has type and seq', () => {
    for (const [t, fields] of Object.entries(SCHEMA)) {
      expect(fields[0]?.[0]).toBe(1);
      expect(fields.map((f) => f[0])).toEqual([...fields.map((f) => f[0])].sort((a, b) => a - b));
      for (const f of fields)
        expect(f[1]).not.toMatch(/uid|name|mail|phone|company|attendee|badgeId|serial/i);
      expect(MSG_NAMES[Number(t)]).toBeDefined();
    }
  });

  it('round-trips random schema-valid messages (model generated from the field table)', () => {
    fc.assert(
      fc.property(anyMessage, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual({ ok: true, value: m });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('AUTH info', () => {
  it('is a CBOR map with HEARTBEAT key 5, laid out as the spec example', () => {
    expect(toHex(encodeAuthInfo({ fw: '2v29-bw0.1' }))).toBe('a1056a327632392d6277302e31');
    expect(decodeAuthInfo(fromHex('a1056a327632392d6277302e31'))).toEqual({
      ok: true,
      value: { fw: '2v29-bw0.1' },
    });
    expect(decodeAuthInfo(encodeCbor({ 5: 'v1', 9: [1] }))).toEqual({ ok: true, value: { fw: 'v1' } });
    expect(decodeAuthInfo(encodeCbor({}))).toEqual({ ok: true, value: {} });
  });
  it('refuses a wrong type or size, a non-map and broken CBOR', () => {
    expect(decodeAuthInfo(encodeCbor({ 5: 7 }))).toEqual({ ok: false, code: E_MSG_FIELD_TYPE, at: 5 });
    expect(decodeAuthInfo(encodeCbor({ 5: 'x'.repeat(33) }))).toEqual({
      ok: false,
      code: E_MSG_FIELD_RANGE,
      at: 5,
    });
    expect(decodeAuthInfo(encodeCbor([1]))).toMatchObject({ ok: false, code: E_MSG_NOT_MAP });
    expect(decodeAuthInfo(fromHex('a105'))).toMatchObject({ ok: false, code: 201 });
    expect(() => encodeAuthInfo({ fw: '' })).toThrow(TypeError);
  });
});

describe('spec part 20', () => {
  const spec = readFileSync(new URL('../spec/20-framing-cbor-messages.md', import.meta.url), 'utf8');
  it('lists every 1xx-3xx code of errors.ts with its action class', () => {
    for (const [code, [name, action]] of Object.entries(ERRORS)) {
      if (Number(code) >= 400) continue;
      const act = (ACTION_NAMES[action] as string).toUpperCase().replace('-', '_');
      expect(spec).toMatch(new RegExp(`\\| ${code} \\| ${name}[^|]*\\| ${act} \\|`));
    }
  });
  it('documents every message type and field of the schema', () => {
    for (const [t, fields] of Object.entries(SCHEMA)) {
      expect(spec).toContain(`| ${t} | ${MSG_NAMES[Number(t)]}`);
      for (const f of fields.slice(1)) expect(spec).toMatch(new RegExp(`\\| ${f[0]} \\| ${f[1]} \\|`));
    }
  });
});
