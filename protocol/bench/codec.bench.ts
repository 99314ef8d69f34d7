/**
 * Framing and CBOR codecs: deframer throughput on a stream of message-sized frames cut into 20-byte chunks
 * (BLE writes) against the naive whole-buffer way (concatenate chunks, split on 00, COBS-decode, CRC) in the
 * same run; device CBOR message decode/encode against the strict host path (cbor-x + byte-equality) and raw
 * cbor-x; the bitwise CRC against a 256-entry table. Run: node --conditions=source --import tsx protocol/bench/codec.bench.ts
 */
import { Decoder } from 'cbor-x';
import { concat } from '../src/bytes';
import { decodeCborHost, encodeCborHost } from '../src/cbor/cborx';
import { decodeCbor, encodeCbor } from '../src/cbor/mini';
import { chunkForBle } from '../src/frame/ble';
import { cobsDecode } from '../src/frame/cobs';
import { crc16 } from '../src/frame/crc';
import { Deframer } from '../src/frame/deframer';
import { encodeFrame } from '../src/frame/frame';
import { decodeMessage, encodeMessage, type Message, messageToCbor } from '../src/link/messages';
import { report, timeIt } from './report';

const MS = 400;
const msg: Message = {
  type: 16,
  seq: 123456,
  adv: new Uint8Array(24).map((_, i) => i * 37),
  rssi: -67,
  uptimeMs: 98765432,
  count: 3,
};
const body = encodeMessage(msg);
const frames: Uint8Array[] = [];
for (let i = 0; i < 64; i++)
  frames.push(encodeFrame(concat([new Uint8Array([i]), new Uint8Array(40).fill(i * 3)])));
const stream = concat(frames);
const chunks = chunkForBle(stream, 20);

let got = 0;
const d = new Deframer(
  () => got++,
  () => {
    throw new Error('fault in bench stream');
  },
);
const deframe = timeIt(() => {
  for (const c of chunks) d.push(c);
}, MS);

const naive = timeIt(() => {
  let buf: Uint8Array = new Uint8Array(0);
  for (const c of chunks) {
    buf = concat([buf, c]);
    let s = 0;
    for (let i = 0; i < buf.length; i++) {
      if (buf[i] !== 0) continue;
      const r = cobsDecode(buf.subarray(s, i));
      if (r.ok) crc16(r.value.subarray(0, r.value.length - 2));
      s = i + 1;
    }
    buf = buf.slice(s);
  }
}, MS);
const mb = (t: { ops: number; ms: number }) => (t.ops * stream.length) / 1e6 / (t.ms / 1000);

const TABLE = new Uint16Array(256).map((_, b) => {
  let c = b << 8;
  for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  return c;
});
const block = new Uint8Array(512).map((_, i) => i);
const crcBit = timeIt(() => crc16(block), MS);
const crcTab = timeIt(() => {
  let c = 0x1d0f;
  for (let i = 0; i < block.length; i++)
    c = ((c << 8) & 0xffff) ^ (TABLE[((c >> 8) ^ (block[i] as number)) & 255] as number);
  return c;
}, MS);

const raw = new Decoder({ useRecords: false, mapsAsObjects: false, copyBuffers: true });
const decMini = timeIt(() => decodeMessage(body), MS);
const decCbor = timeIt(() => decodeCbor(body), MS);
const decHost = timeIt(() => decodeCborHost(body), MS);
const decRaw = timeIt(() => raw.decode(body), MS);
const map = messageToCbor(msg);
const encMini = timeIt(() => encodeCbor(map), MS);
const encHost = timeIt(() => encodeCborHost(map), MS);
const json = timeIt(() => JSON.stringify(msg, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v)), MS);

const per = (t: { ops: number; ms: number }) => t.ops / (t.ms / 1000);
report(`Framing and CBOR (${body.length}-byte SIGHTING body; 64 frames of 43 B in 20-byte chunks)`, [
  {
    name: 'Deframer, 20-byte chunks',
    value: mb(deframe),
    unit: 'MB/s',
    baseline: { name: 'concat + split + cobsDecode + crc', value: mb(naive) },
    target: '>= 5',
  },
  {
    name: 'CRC-16 bitwise, 512 B',
    value: (per(crcBit) * 512) / 1e6,
    unit: 'MB/s',
    baseline: { name: '256-entry table (512 B RAM)', value: (per(crcTab) * 512) / 1e6 },
  },
  {
    name: 'decodeMessage (mini CBOR + schema)',
    value: per(decMini),
    unit: 'ops/s',
    baseline: { name: 'raw cbor-x decode (lenient)', value: per(decRaw) },
    target: '>= 200000',
  },
  {
    name: 'decodeCbor (mini)',
    value: per(decCbor),
    unit: 'ops/s',
    baseline: { name: 'decodeCborHost (cbor-x + re-encode check)', value: per(decHost) },
  },
  {
    name: 'encodeCbor (mini)',
    value: per(encMini),
    unit: 'ops/s',
    baseline: { name: 'encodeCborHost (cbor-x)', value: per(encHost) },
  },
  {
    name: 'encodeCbor (mini) vs JSON',
    value: per(encMini),
    unit: 'ops/s',
    baseline: { name: 'JSON.stringify of the same message', value: per(json) },
  },
]);
if (got === 0) throw new Error('deframer delivered nothing');
