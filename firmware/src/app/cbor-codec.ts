/**
 * MsgCodec over the protocol's strict mini CBOR (protocol/src/cbor/mini.ts): integer-keyed maps with field
 * 0 = type and 1 = seq, as the link session expects (an ACK carries its durable seq in field 2). Decoding
 * rejects anything that is not such a map with correctly typed fields; it never throws.
 */
import { type CborMap, type CborValue, decodeCbor, encodeCbor } from '@badgewire/protocol/device';
import { type AppMsg, M_ACK, type MsgCodec } from './msg';

// Field keys, in AppMsg order. Index = CBOR key; 'seq' of an ACK travels in key 2 (the session's "durable").
const KEYS = [
  't',
  'seq',
  'at',
  'eph',
  'rssi',
  'mode',
  'frame',
  'chal',
  'door',
  'allow',
  'ms',
  'list',
  'up',
  'free',
  'flags',
  'ver',
  'tamper',
  'queued',
];
// Expected JS type per key: n = integer, b = bytes, s = string, ? = boolean.
const TYPES = 'nnnbnnbbn?nbnnns?n';

export const cborCodec: MsgCodec = {
  encode: (m: AppMsg): Uint8Array => {
    const o: CborMap = {};
    const src = m as unknown as { [k: string]: CborValue | undefined };
    for (let i = 0; i < KEYS.length; i++) {
      const v = src[KEYS[i] as string];
      if (v !== undefined) o[i] = v;
    }
    if (m.t === M_ACK && m.seq !== undefined) {
      delete o[1];
      o[2] = m.seq;
    }
    return encodeCbor(o);
  },
  decode: (b: Uint8Array): AppMsg | null => {
    const r = decodeCbor(b);
    if (!r.ok || !r.value || typeof r.value !== 'object' || r.value instanceof Uint8Array) return null;
    const o = r.value as CborMap;
    if (Array.isArray(o) || typeof o[0] !== 'number') return null;
    const m: { [k: string]: unknown } = {};
    for (let i = 0; i < KEYS.length; i++) {
      const v = o[i];
      if (v === undefined) continue;
      const ty = TYPES.charAt(i);
      const good =
        ty === 'n'
          ? typeof v === 'number'
          : ty === 'b'
            ? v instanceof Uint8Array
            : ty === 's'
              ? typeof v === 'string'
              : typeof v === 'boolean';
      if (!good) return null;
      m[KEYS[i] as string] = v;
    }
    if (m.t === M_ACK) {
      if (typeof o[2] !== 'number') return null;
      m.seq = o[2];
      delete m.at;
    }
    return m as unknown as AppMsg;
  },
};
