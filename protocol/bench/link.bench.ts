/**
 * BW-SC reader link: records sealed + opened per second for a 31-byte CBOR event (one reader -> host record,
 * sealed by the reader role and opened by the host role), against the naive way in the same run (CMAC subkeys
 * re-derived and the AES key re-expanded for every record), the native AES calls a record costs the reader,
 * and the handshake cost. Run: node --conditions=source --import tsx protocol/bench/link.bench.ts
 */
import { encodeCbor } from '../src/cbor/mini';
import { cmac } from '../src/crypto/cmac';
import { ctr } from '../src/crypto/ctr';
import { fastAes } from '../src/crypto/fast';
import { nobleAes } from '../src/crypto/noble';
import { fastRecordCipher } from '../src/link/fast-cipher';
import { HostChannel } from '../src/link/host-channel';
import { createReaderChannel, type ReaderChannel } from '../src/link/reader-channel';
import type { Aes128, Random } from '../src/ports';
import { report, timeIt } from './report';

const KR = new Uint8Array(32).map((_, i) => i * 7 + 1);
const RID = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
let seed = 1;
const rnd: Random = {
  fill(out) {
    for (let i = 0; i < out.length; i++) out[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  },
};
// A TAP-sized event: {0: 17, 1: seq, 2: 12-byte frame, 3: kind, 5: uptimeMs} is 31 bytes of CBOR.
const EVENT = encodeCbor({ 0: 17, 1: 123456, 2: new Uint8Array(12).fill(0xa5), 3: 0, 5: 12345678 });
if (EVENT.length !== 31) throw new Error('event is ' + EVENT.length + ' bytes');

function pair(aes: Aes128, fast = false): { h: HostChannel; r: ReaderChannel } {
  const records = fast ? fastRecordCipher : undefined;
  const h = new HostChannel(aes, rnd, { lookup: () => ({ key: KR, prev: null }), records });
  const rr = createReaderChannel(aes, rnd, { readerId: RID, key: KR, info: new Uint8Array(0) });
  if (!rr.ok) throw new Error('reader');
  const r = rr.value;
  const auth = r.receive(h.start(), 0).send[0] as Uint8Array;
  const confirm = h.receive(auth, 0).send[0] as Uint8Array;
  if (!r.receive(confirm, 0).up) throw new Error('handshake');
  if (fast) r.rc = fastRecordCipher; // both ends at host speed: what one host core does per record
  return { h, r };
}

function sealOpen(p: { h: HostChannel; r: ReaderChannel }): () => void {
  return () => {
    const s = p.r.seal(EVENT, 1);
    if (!s.ok || p.h.receive(s.value, 1).body === null) throw new Error('record');
  };
}

/** The naive record: the same bytes, but nothing cached between records. */
function naive(): () => void {
  const kEnc = new Uint8Array(32).fill(3);
  const kMac = new Uint8Array(32).fill(5);
  const iv = new Uint8Array(16);
  let c = 0;
  return () => {
    c++;
    iv[11] = c & 255;
    const ct = ctr(nobleAes, kEnc, iv, EVENT);
    const rec = new Uint8Array(6 + ct.length + 8);
    rec.set(ct, 6);
    rec.set(cmac(nobleAes, kMac, rec.subarray(0, 6 + ct.length)).subarray(0, 8), 6 + ct.length);
    const tag = cmac(nobleAes, kMac, rec.subarray(0, rec.length - 8));
    if (tag[0] !== rec[rec.length - 8]) throw new Error('naive');
    ctr(nobleAes, kEnc, iv, rec.subarray(6, rec.length - 8));
  };
}

function handshake(aes: Aes128): () => void {
  return () => {
    pair(aes);
  };
}

function counting(): Aes128 & { calls: number; blocks: number } {
  const c = {
    calls: 0,
    blocks: 0,
    ecb(key: Uint8Array, data: Uint8Array) {
      c.calls++;
      c.blocks += data.length / 16;
      return nobleAes.ecb(key, data);
    },
    cbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array) {
      c.calls++;
      c.blocks += data.length / 16;
      return nobleAes.cbc(key, iv, data);
    },
  };
  return c;
}

const MS = Number(process.env.BENCH_MS ?? 1500);
const fast = pair(fastAes, true);
for (let i = 0; i < 20000; i++) sealOpen(fast)(); // warm-up
// Wall time understates throughput on a shared machine; CPU time of this process is "one core" exactly.
const cpu0 = process.cpuUsage();
const tFast = timeIt(sealOpen(fast), MS);
const cpu = process.cpuUsage(cpu0);
const cpuRate = (tFast.ops * 1e6) / (cpu.user + cpu.system);
const tPort = timeIt(sealOpen(pair(fastAes)), MS);
const tNoble = timeIt(sealOpen(pair(nobleAes)), MS);
const tNaive = timeIt(naive(), MS);
const tHs = timeIt(handshake(fastAes), MS);
const tHsNoble = timeIt(handshake(nobleAes), MS);

const cp = counting();
const cr = createReaderChannel(cp, rnd, { readerId: RID, key: KR, info: new Uint8Array(0) });
const ch = new HostChannel(fastAes, rnd, { lookup: () => ({ key: KR, prev: null }) });
if (!cr.ok) throw new Error('reader');
const auth = cr.value.receive(ch.start(), 0).send[0] as Uint8Array;
cr.value.receive(ch.receive(auth, 0).send[0] as Uint8Array, 0);
const hsCalls = cp.calls;
const hsBlocks = cp.blocks;
cp.calls = 0;
cp.blocks = 0;
cr.value.seal(EVENT, 1);

const rate = (t: { ops: number; ms: number }) => (t.ops * 1000) / t.ms;
report('BW-SC link (31-byte CBOR event, reader seals, host opens; AES-256)', [
  {
    name: 'records sealed+opened, host path (fastRecordCipher)',
    value: rate(tFast),
    unit: 'records/s',
    baseline: { name: 'naive: subkeys re-derived, key re-expanded per call', value: rate(tNaive) },
    target: '>= 150000',
  },
  {
    name: 'records sealed+opened per CPU-second, host path',
    value: cpuRate,
    unit: 'records/CPU-s',
    baseline: { name: 'naive (wall)', value: rate(tNaive) },
    target: '>= 150000',
  },
  {
    name: 'records sealed+opened, device path on fastAes port',
    value: rate(tPort),
    unit: 'records/s',
    baseline: { name: 'naive', value: rate(tNaive) },
  },
  {
    name: 'records sealed+opened, device path on nobleAes port',
    value: rate(tNoble),
    unit: 'records/s',
    baseline: { name: 'naive', value: rate(tNaive) },
  },
  { name: 'reader native AES calls per record (seal)', value: cp.calls, unit: 'calls (1 ECB + 1 CBC)' },
  { name: 'reader AES blocks per record (seal)', value: cp.blocks, unit: 'blocks' },
  {
    name: 'handshakes (both roles), fastAes',
    value: rate(tHs),
    unit: 'handshakes/s',
    baseline: { name: 'nobleAes', value: rate(tHsNoble) },
  },
  { name: 'reader native AES calls per handshake', value: hsCalls, unit: 'calls' },
  { name: 'reader AES blocks per handshake', value: hsBlocks, unit: 'blocks' },
  { name: 'record overhead', value: 6 + 8, unit: 'bytes (hdr 6 + tag 8)' },
]);
