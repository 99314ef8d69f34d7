/**
 * A full reader link session as a vector: BW-SC handshake (part 30) and records carrying messages (part 20),
 * every packet also shown framed. Built with the channel roles' real code and fixed nonces (a counting
 * Random), so the bytes are reproducible; every record is opened by the other role and its body decoded as
 * a message before it is written, so the vector is also an end-to-end check of the layers together.
 */
import { toHex } from '../src/bytes';
import { nobleAes } from '../src/crypto/noble';
import { encodeFrame } from '../src/frame/frame';
import { HostChannel } from '../src/link/host-channel';
import { decodeMessage, encodeAuthInfo, encodeMessage, type Message, MSG_NAMES } from '../src/link/messages';
import { createReaderChannel } from '../src/link/reader-channel';
import type { ChannelStep } from '../src/link/step';
import type { Random } from '../src/ports';
import type { Json } from './vectors-build';

/** Bytes start, start+1, ... : reproducible nonces for a vector, never for production. */
function counting(start: number): Random {
  let x = start;
  return {
    fill(out: Uint8Array) {
      for (let i = 0; i < out.length; i++) out[i] = x++ & 255;
    },
  };
}

function one(s: ChannelStep, what: string): Uint8Array {
  if (s.fail || s.send.length !== 1)
    throw new Error('vector session: ' + what + ' failed: ' + JSON.stringify(s.fail));
  return s.send[0] as Uint8Array;
}

export function sessionVector(source: Json, messages: Message[]): Json {
  const kr = new Uint8Array(32).map((_, i) => i);
  const rid = new Uint8Array([0xb0, 0xa1, 0xc2, 0xd3, 0xe4, 0xf5, 0x06, 0x17]);
  const info = encodeAuthInfo({ fw: '2v29-bw0.1' });
  const host = new HostChannel(nobleAes, counting(0x10), { lookup: () => ({ key: kr, prev: null }) });
  const rr = createReaderChannel(nobleAes, counting(0x80), { readerId: rid, key: kr, info: info });
  if (!rr.ok) throw new Error('vector session: reader refused its key');
  const reader = rr.value;
  const now = 1000;
  const packets: Json[] = [];
  const show = (dir: string, name: string, p: Uint8Array, body?: Message) => {
    const e: { [k: string]: Json } = {
      dir: dir,
      packet: name,
      bytes: toHex(p),
      framed: toHex(encodeFrame(p)),
    };
    if (body) {
      e.message = MSG_NAMES[body.type] ?? '?';
      e.plaintext = toHex(encodeMessage(body));
    }
    packets.push(e);
  };
  const hello = host.start();
  show('h->r', 'HELLO', hello);
  const auth = one(reader.receive(hello, now), 'AUTH');
  show('r->h', 'AUTH', auth);
  const hs = host.receive(auth, now);
  const confirm = one(hs, 'CONFIRM');
  if (!hs.up) throw new Error('vector session: host not up');
  show('h->r', 'CONFIRM', confirm);
  if (!reader.receive(confirm, now).up) throw new Error('vector session: reader not up');
  for (const m of messages) {
    const toHost = m.type === 16 || m.type === 17 || m.type === 19;
    const from = toHost ? reader : host;
    const to = toHost ? host : reader;
    const sealed = from.seal(encodeMessage(m), now);
    if (!sealed.ok) throw new Error('vector session: seal failed ' + sealed.code);
    const opened = to.receive(sealed.value, now);
    const d = opened.body ? decodeMessage(opened.body) : null;
    if (!d || !d.ok || toHex(encodeMessage(d.value)) !== toHex(encodeMessage(m))) {
      throw new Error('vector session: record did not round-trip');
    }
    show(toHost ? 'r->h' : 'h->r', 'RECORD', sealed.value, m);
  }
  return {
    source: source,
    inputs: {
      k_r: toHex(kr),
      reader_id: toHex(rid),
      auth_info: toHex(info),
      host_random: 'counting bytes from 10',
      reader_random: 'counting bytes from 80',
      now_ms: now,
    },
    packets: packets,
  };
}
