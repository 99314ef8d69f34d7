import { describe, expect, it } from 'vitest';
import { equalCt, fromHex, toHex } from '../src/bytes';
import { cmacWith } from '../src/crypto/cmac';
import { nobleAes } from '../src/crypto/noble';
import {
  E_CH_DIRECTION,
  E_CH_EXPIRED,
  E_CH_HANDSHAKE,
  E_CH_MALFORMED,
  E_CH_NO_KEY,
  E_CH_NO_SESSION,
  E_CH_REPLAY,
  E_CH_STATE,
  E_CH_TAG,
  E_CH_TOO_MANY_FAILURES,
  E_CH_UNKNOWN_PACKET,
  E_CH_UNKNOWN_READER,
  E_CH_VERSION,
} from '../src/errors';
import { createReaderChannel } from '../src/link/reader-channel';
import { MAX_CTR, needsRenewal, RENEW_CTR } from '../src/link/record';
import {
  code,
  handshake,
  KR,
  KR2,
  keysFor,
  makeHost,
  makeReader,
  only,
  RID,
  seededRandom,
} from './link-fixtures';

const EVENT = fromHex('a3001001190102025820000102030405060708090a0b0c0d0e0f101112131415'); // a 31-byte CBOR-ish event

function up() {
  const h = makeHost();
  const r = makeReader();
  const t = handshake(h, r);
  return { h, r, ...t };
}

describe('BW-SC handshake', () => {
  it('establishes a session both ways and reports the peer', () => {
    const { h, r, hello, auth, confirm } = up();
    expect(hello.length).toBe(24);
    expect(auth.length).toBe(6 + 25 + 7 + 8);
    expect(confirm.length).toBe(14);
    expect(h.isUp() && r.isUp()).toBe(true);
    expect(toHex(h.peer?.readerId ?? new Uint8Array())).toBe(toHex(RID));
    expect(h.peer?.usedPrev).toBe(false);
    const a = h.seal(EVENT, 1);
    const b = r.seal(EVENT, 1);
    if (!a.ok || !b.ok) throw new Error('seal');
    expect(toHex(r.receive(a.value, 1).body ?? new Uint8Array())).toBe(toHex(EVENT));
    expect(toHex(h.receive(b.value, 1).body ?? new Uint8Array())).toBe(toHex(EVENT));
  });

  it('derives distinct keys per direction and per purpose', () => {
    const { h, r } = up();
    const k = h.s?.keys;
    if (!k) throw new Error('no session');
    const all = [k.conf.key, k.h2r.enc, k.h2r.mac.key, k.r2h.enc, k.r2h.mac.key].map(toHex);
    expect(new Set(all).size).toBe(5);
    expect(toHex(r.s?.keys.r2h.enc ?? new Uint8Array())).toBe(toHex(k.r2h.enc));
  });

  it('fails with a wrong reader key and sends no CONFIRM', () => {
    const h = makeHost({ lookup: keysFor({ b0a1c2d3e4f50617: { key: KR2, prev: null } }) });
    const r = makeReader();
    const s = h.receive(only(r.receive(h.start(), 0)), 0);
    expect(code(s)).toBe(E_CH_HANDSHAKE);
    expect(s.send.length).toBe(0);
    expect(h.isUp()).toBe(false);
  });

  it('rejects an unknown reader id with a clear ALERT', () => {
    const h = makeHost({ lookup: () => null });
    const r = makeReader();
    const s = h.receive(only(r.receive(h.start(), 0)), 0);
    expect(code(s)).toBe(E_CH_UNKNOWN_READER);
    expect(s.send.length).toBe(1);
    expect(r.receive(s.send[0] as Uint8Array, 0).alert).toBe(E_CH_UNKNOWN_READER);
    expect(r.isUp()).toBe(false);
  });

  it('refuses to run without a usable key (no default, no install mode)', () => {
    for (const key of [
      new Uint8Array(32),
      new Uint8Array(32).fill(255),
      new Uint8Array(16),
      KR.subarray(0, 31),
    ]) {
      const c = createReaderChannel(nobleAes, seededRandom(1), {
        readerId: RID,
        key,
        info: new Uint8Array(),
      });
      expect(c.ok).toBe(false);
      if (!c.ok) expect(c.code).toBe(E_CH_NO_KEY);
    }
    const h = makeHost({ lookup: () => ({ key: new Uint8Array(32), prev: null }) });
    expect(code(h.receive(only(makeReader().receive(h.start(), 0)), 0))).toBe(E_CH_UNKNOWN_READER);
  });

  it('detects every flipped bit of HELLO, AUTH and CONFIRM', () => {
    for (const which of ['hello', 'auth', 'confirm'] as const) {
      const len = which === 'hello' ? 24 : which === 'auth' ? 46 : 14;
      for (let i = 0; i < len * 8; i++) {
        const h = makeHost();
        const r = makeReader();
        let hello = h.start();
        if (which === 'hello') hello = flip(hello, i);
        const rs = r.receive(hello, 0);
        if (rs.send.length === 0) continue; // refused (or read as an ALERT) by the reader: no AUTH
        let auth = rs.send[0] as Uint8Array;
        if (which === 'auth') auth = flip(auth, i);
        const hs = h.receive(auth, 0);
        expect(hs.up && which !== 'confirm').toBe(false);
        if (!hs.up) {
          expect(hs.fail !== null || hs.alert !== 0).toBe(true);
          continue;
        }
        const c = flip(hs.send[0] as Uint8Array, i);
        const cs = r.receive(c, 0);
        expect(cs.up).toBe(false);
        expect(cs.fail !== null || cs.alert !== 0).toBe(true);
        expect(r.isUp()).toBe(false);
      }
    }
  });

  it('answers at most one HELLO per 200 ms (each costs the reader a key derivation)', () => {
    const r = makeReader();
    expect(only(r.receive(makeHost().start(), 1000)).length).toBe(46);
    const flood = r.receive(makeHost().start(), 1100);
    expect(code(flood)).toBe(E_CH_STATE);
    expect(flood.send.length).toBe(0);
    expect(only(r.receive(makeHost().start(), 1200)).length).toBe(46);
  });

  it('negotiates the highest common version, and detects a downgrade of either message', () => {
    const v = { minVer: 1, maxVer: 3 };
    const ok = makeHost(v);
    const r = makeReader(v);
    handshake(ok, r);
    expect(ok.peer?.ver).toBe(3);

    const h1 = makeHost(v);
    const hello = h1.start();
    hello[7] = 1; // attacker narrows the offer to [1,1]
    const auth = only(makeReader(v).receive(hello, 0));
    expect(auth[6]).toBe(1);
    expect(code(h1.receive(auth, 0))).toBe(E_CH_HANDSHAKE);

    const h2 = makeHost(v);
    const auth2 = only(makeReader(v).receive(h2.start(), 0));
    auth2[6] = 2; // attacker rewrites the chosen version
    expect(code(h2.receive(auth2, 0))).toBe(E_CH_HANDSHAKE);

    const h3 = makeHost({ minVer: 1, maxVer: 1 });
    const s = makeReader({ minVer: 2, maxVer: 3 }).receive(h3.start(), 0);
    expect(code(s)).toBe(E_CH_VERSION);
    expect(h3.receive(s.send[0] as Uint8Array, 0).alert).toBe(E_CH_VERSION);
  });

  it('keeps an established session when an old HELLO is replayed, and tolerates a lost CONFIRM', () => {
    const { h, r, hello } = up();
    const auth = only(r.receive(hello, 500)); // replayed HELLO: a pending handshake, session untouched
    expect(r.isUp()).toBe(true);
    expect(code(h.receive(auth, 500))).toBe(E_CH_STATE);
    const a = h.seal(EVENT, 600);
    if (!a.ok) throw new Error('seal');
    expect(r.receive(a.value, 600).body).not.toBeNull();

    const h2 = h.start();
    const hs = h.receive(only(r.receive(h2, 1000)), 1000);
    expect(hs.up).toBe(true); // host switched; its CONFIRM is lost
    const b = h.seal(EVENT, 1100);
    if (!b.ok) throw new Error('seal');
    const rs = r.receive(b.value, 1100);
    expect(rs.up).toBe(true);
    expect(toHex(rs.body ?? new Uint8Array())).toBe(toHex(EVENT));
    expect(equalCt(r.s?.keys.h2r.enc ?? new Uint8Array(), h.s?.keys.h2r.enc ?? new Uint8Array(1))).toBe(true);
  });
});

describe('BW-SC renewal', () => {
  it("opens the reader's records sealed under the replaced session until the new one carries traffic", () => {
    const h = makeHost({ maxFails: 4 });
    const r = makeReader();
    handshake(h, r);
    const hs = h.receive(only(r.receive(h.start(), 1000)), 1000);
    expect(hs.up).toBe(true); // host switched; the CONFIRM is still on the wire
    const inFlight: Uint8Array[] = [];
    for (let i = 0; i < 10; i++) {
      const b = r.seal(EVENT, 1);
      if (!b.ok) throw new Error('seal');
      inFlight.push(b.value);
    }
    for (const b of inFlight.slice(0, 9)) expect(h.receive(b, 1).body).not.toBeNull();
    expect(h.isUp()).toBe(true);
    expect(r.receive(hs.send[0] as Uint8Array, 1).up).toBe(true);
    const fresh = r.seal(EVENT, 1);
    if (!fresh.ok) throw new Error('seal');
    expect(h.receive(fresh.value, 1).body).not.toBeNull();
    expect(code(h.receive(inFlight[9] as Uint8Array, 1))).toBe(E_CH_TAG); // the old session is gone now
  });
});

describe('BW-SC records', () => {
  it('rejects forged, replayed and reordered records', () => {
    const { h, r } = up();
    const a1 = h.seal(EVENT, 1);
    const a2 = h.seal(EVENT, 1);
    if (!a1.ok || !a2.ok) throw new Error('seal');
    const forged = new Uint8Array(a1.value);
    forged.set(new Uint8Array(8).fill(0x5a), forged.length - 8);
    expect(code(r.receive(forged, 1))).toBe(E_CH_TAG);
    expect(r.receive(a2.value, 1).body).not.toBeNull();
    expect(code(r.receive(a1.value, 1))).toBe(E_CH_REPLAY); // reordered
    expect(code(r.receive(a2.value, 1))).toBe(E_CH_REPLAY); // replayed
  });

  it('rejects every truncation and every flipped bit', () => {
    const h = makeHost();
    const r = makeReader({ maxFails: 1e9 });
    handshake(h, r);
    const a = h.seal(EVENT, 1);
    if (!a.ok) throw new Error('seal');
    for (let n = 0; n < a.value.length; n++) {
      expect([E_CH_MALFORMED, E_CH_TAG]).toContain(code(r.receive(a.value.subarray(0, n), 1)));
    }
    const allowed = [
      E_CH_MALFORMED,
      E_CH_TAG,
      E_CH_DIRECTION,
      E_CH_UNKNOWN_PACKET,
      E_CH_STATE,
      E_CH_NO_SESSION,
    ];
    for (let i = 0; i < a.value.length * 8; i++) {
      expect(allowed).toContain(code(r.receive(flip(a.value, i), 1)));
    }
    expect(r.receive(a.value, 1).body).not.toBeNull();
  });

  it('has no plaintext or MAC-only mode: reserved flags and other types are refused, bodies are always decrypted', () => {
    const { h, r } = up();
    const a = h.seal(EVENT, 1);
    if (!a.ok) throw new Error('seal');
    expect(toHex(a.value).includes(toHex(EVENT.subarray(0, 8)))).toBe(false);
    for (const f of [2, 4, 8]) {
      const m = new Uint8Array(a.value);
      m[0] = (m[0] as number) | f;
      expect(code(r.receive(m, 1))).toBe(E_CH_MALFORMED);
    }
    for (let t = 6; t < 256; t++) {
      const m = new Uint8Array(a.value);
      m[1] = t;
      expect(code(r.receive(m, 1))).toBe(E_CH_UNKNOWN_PACKET);
    }
    // A record carrying the plaintext under a valid tag (what a MAC-only mode would send) decrypts to noise.
    const s = h.s;
    if (!s) throw new Error('no session');
    const m = new Uint8Array(a.value.length);
    m.set(a.value.subarray(0, 6));
    m[5] = 2;
    m.set(EVENT, 6);
    m.set(
      cmacWith(nobleAes, s.keys.h2r.mac, m.subarray(0, 6 + EVENT.length)).subarray(0, 8),
      6 + EVENT.length,
    );
    const got = r.receive(m, 1).body;
    expect(got).not.toBeNull();
    expect(toHex(got ?? new Uint8Array())).not.toBe(toHex(EVENT));
    expect(code(makeReader().receive(a.value, 1))).toBe(E_CH_NO_SESSION);
  });

  it('rejects a record reflected back to its sender (direction bit, and per-direction keys)', () => {
    const { h, r } = up();
    const b = r.seal(EVENT, 1);
    if (!b.ok) throw new Error('seal');
    expect(code(r.receive(b.value, 1))).toBe(E_CH_DIRECTION);
    const m = new Uint8Array(b.value);
    m[0] = (m[0] as number) & 0xfe;
    expect(code(r.receive(m, 1))).toBe(E_CH_TAG);
    expect(h.receive(b.value, 1).body).not.toBeNull();
  });

  it('refuses to seal past the last counter and asks for renewal half-way', () => {
    const { h, r } = up();
    const s = h.s;
    if (!s) throw new Error('no session');
    expect(needsRenewal(s, 1, 1000)).toBe(false);
    s.tx = RENEW_CTR;
    expect(needsRenewal(s, 1, 1000)).toBe(true);
    s.tx = MAX_CTR - 1;
    const last = h.seal(EVENT, 1);
    expect(last.ok).toBe(true);
    if (last.ok) expect(toHex(last.value.subarray(2, 6))).toBe('ffffffff');
    const over = h.seal(EVENT, 1);
    expect(over.ok).toBe(false);
    if (!over.ok) expect(over.code).toBe(406);
    if (last.ok) expect(r.receive(last.value, 1).body).not.toBeNull();
  });

  it('resets the session after N tag failures and tells the host', () => {
    const h = makeHost();
    const r = makeReader({ maxFails: 4 });
    handshake(h, r);
    const a = h.seal(EVENT, 1);
    if (!a.ok) throw new Error('seal');
    const bad = flip(a.value, a.value.length * 8 - 1);
    for (let i = 0; i < 3; i++) expect(code(r.receive(bad, 1))).toBe(E_CH_TAG);
    const last = r.receive(bad, 1);
    expect(code(last)).toBe(E_CH_TOO_MANY_FAILURES);
    expect(r.isUp()).toBe(false);
    expect(h.receive(last.send[0] as Uint8Array, 1).alert).toBe(E_CH_TOO_MANY_FAILURES);
    const nx = r.receive(a.value, 1);
    expect(code(nx)).toBe(E_CH_NO_SESSION);
    expect(h.receive(nx.send[0] as Uint8Array, 1).alert).toBe(E_CH_NO_SESSION);
  });

  it('refuses a session older than its maximum age', () => {
    const h = makeHost({ maxAgeMs: 1000 });
    const r = makeReader({ maxAgeMs: 1000 });
    handshake(h, r, 0);
    const a = h.seal(EVENT, 999);
    if (!a.ok) throw new Error('seal');
    expect(code(r.receive(a.value, 1000))).toBe(E_CH_EXPIRED);
    const b = h.seal(EVENT, 1000);
    expect(b.ok).toBe(false);
    if (!b.ok) expect(b.code).toBe(E_CH_EXPIRED);
  });
});

describe('BW-SC rekey at the channel', () => {
  it('keeps the old key for one handshake and reports which key the reader proved', () => {
    const lookup = keysFor({ b0a1c2d3e4f50617: { key: KR2, prev: KR } });
    const h = makeHost({ lookup });
    const r = makeReader();
    handshake(h, r);
    expect(h.peer?.usedPrev).toBe(true);
    expect(r.setKey(KR2).ok).toBe(true);
    expect(r.isUp()).toBe(true); // the running session is not disturbed
    const h2 = makeHost({ lookup });
    handshake(h2, r, 1000);
    expect(h2.peer?.usedPrev).toBe(false);
    const h3 = makeHost({ lookup: keysFor({ b0a1c2d3e4f50617: { key: KR, prev: null } }) });
    expect(code(h3.receive(only(r.receive(h3.start(), 2000)), 2000))).toBe(E_CH_HANDSHAKE);
    expect(r.setKey(new Uint8Array(32)).ok).toBe(false);
  });
});

function flip(b: Uint8Array, bit: number): Uint8Array {
  const m = new Uint8Array(b);
  m[bit >> 3] = (m[bit >> 3] as number) ^ (1 << (bit & 7));
  return m;
}
