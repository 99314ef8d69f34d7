/**
 * The firmware's lean reader link (responder.ts, cbor/lean.ts, frame/lean-deframer.ts) held to the full
 * implementations: the checked-in link-session vector end to end, then step-for-step differential runs and
 * fuzzing against ReaderChannel, decodeCbor/cbor-x and Deframer. FUZZ_RUNS overrides the 100 000 default.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/bytes';
import { encodeCborHost } from '../src/cbor/cborx';
import { leanDecode, leanEncode } from '../src/cbor/lean';
import { type CborMap, type CborValue, decodeCbor, encodeCbor } from '../src/cbor/mini';
import { fastAes } from '../src/crypto/fast';
import { nobleAes } from '../src/crypto/noble';
import { Deframer } from '../src/frame/deframer';
import { encodeFrame } from '../src/frame/frame';
import { leanDeframer } from '../src/frame/lean-deframer';
import { messageToCbor } from '../src/link/messages';
import type { Message } from '../src/link/msg-schema';
import type { ReaderChannel } from '../src/link/reader-channel';
import type { Session } from '../src/link/record';
import {
  alertPacket,
  type LeanSession,
  type LeanStep,
  type Responder,
  respond,
  responder,
  sealFor,
  setResponderKey,
} from '../src/link/responder';
import type { ChannelStep } from '../src/link/step';
import { cborValue } from './cbor-model';
import { edgyBytes, FUZZ_RUNS, mutate, mutation } from './fuzz-util';
import { handshake, INFO, KR, KR2, makeHost, makeReader, RID, seededRandom } from './link-fixtures';
import { messageArb } from './messages-model';

const here = dirname(fileURLToPath(import.meta.url));
const session = JSON.parse(readFileSync(join(here, '..', 'vectors', 'link-session.json'), 'utf8'));

function counting(start: number) {
  return {
    fill(out: Uint8Array) {
      for (let i = 0; i < out.length; i++) out[i] = (start + i) & 255;
    },
  };
}

function lean(rnd = seededRandom(12), aes = nobleAes): Responder {
  const r = responder(aes, rnd, RID, KR, INFO);
  if (!r) throw new Error('responder refused');
  return r;
}

/**
 * A step as comparable data. The lean step carries only the failure code (the reader never reads the offset),
 * so the full step is compared by its code; and not the code of a received ALERT (the reader never acts on
 * one), so that is compared as the packet the ALERT was: a clear ALERT both accept without a failure.
 */
function view(s: ChannelStep | LeanStep) {
  const f = s.fail;
  return {
    // The lean step holds its one packet as it is (at most one), the full one a list.
    send: s.send instanceof Uint8Array ? [toHex(s.send)] : s.send ? s.send.map(toHex) : [],
    body: s.body ? toHex(s.body) : null,
    up: !!s.up,
    fail: typeof f === 'number' ? f || null : f ? f.code : null,
  };
}

describe('lean responder against the link-session vector', () => {
  it('answers HELLO with the vector AUTH, accepts CONFIRM, seals and opens every record byte for byte', () => {
    const inp = session.inputs;
    const r = responder(
      nobleAes,
      counting(0x80),
      fromHex(inp.reader_id),
      fromHex(inp.k_r),
      fromHex(inp.auth_info),
    ) as Responder;
    expect(r).not.toBeNull();
    const now = inp.now_ms as number;
    const pk = session.packets as {
      dir: string;
      packet: string;
      bytes: string;
      framed: string;
      plaintext?: string;
    }[];
    let checked = 0;
    for (const p of pk) {
      // Every framed packet deframes to its bytes.
      const got: string[] = [];
      leanDeframer((b) => got.push(b ? toHex(b) : 'fault'))(fromHex(p.framed));
      expect(got).toEqual([p.bytes]);
      if (p.packet === 'HELLO') expect(view(respond(r, fromHex(p.bytes), now)).send).toEqual([pk[1]?.bytes]);
      else if (p.packet === 'CONFIRM') expect(respond(r, fromHex(p.bytes), now).up).toBe(true);
      else if (p.packet === 'RECORD' && p.dir === 'r->h') {
        const body = fromHex(p.plaintext as string);
        // The reader's own messages are flat maps: the lean encoder gives the same canonical bytes.
        expect(toHex(leanEncode((decodeCbor(body) as { value: CborMap }).value))).toBe(p.plaintext);
        expect(toHex(sealFor(r, body, now) as Uint8Array)).toBe(p.bytes);
        checked++;
      } else if (p.packet === 'RECORD') {
        const st = respond(r, fromHex(p.bytes), now);
        expect(st.fail).toBe(0);
        expect(toHex(st.body as Uint8Array)).toBe(p.plaintext);
        const d = leanDecode(st.body as Uint8Array);
        expect({ ok: true, value: d }).toEqual(decodeCbor(st.body as Uint8Array));
        checked++;
      }
    }
    expect(checked).toBe(pk.length - 3);
  });

  it('refuses an unusable key (null; ReaderChannel: 413); sends the no-session ALERT the full role sends', () => {
    expect(responder(nobleAes, seededRandom(1), RID, new Uint8Array(32).fill(0xff), INFO)).toBeNull();
    expect(responder(nobleAes, seededRandom(1), RID, KR.subarray(0, 31), INFO)).toBeNull();
    expect(toHex(alertPacket(403))).toBe(toHex(makeReader().kick()));
    const r = lean();
    expect(setResponderKey(r, new Uint8Array(32))).toBe(false);
    expect(setResponderKey(r, KR2)).toBe(true);
    expect(toHex(r.key)).toBe(toHex(KR2));
  });
});

describe('lean responder counter limit', () => {
  it('seals counter 2^32-1 byte for byte as ReaderChannel, then both refuse with E_CH_COUNTER_EXHAUSTED', () => {
    const host = makeHost({}, seededRandom(3), fastAes);
    const full = makeReader({}, seededRandom(12), fastAes);
    const r = lean(seededRandom(12), fastAes);
    const hs = handshake(host, full);
    respond(r, hs.hello, 0);
    expect(respond(r, hs.confirm, 0).up).toBe(true);
    (r.s as LeanSession).tx = 0xfffffffe;
    (full.s as Session).tx = 0xfffffffe;
    const body = new Uint8Array(20).fill(5);
    const a = sealFor(r, body, 0) as Uint8Array;
    const b = full.seal(body, 0);
    expect(b.ok && toHex(a)).toBe(b.ok && toHex(b.value));
    expect(toHex(a.subarray(2, 6))).toBe('ffffffff');
    expect(sealFor(r, body, 0)).toBe(406);
    expect(full.seal(body, 0)).toMatchObject({ ok: false, code: 406 });
  });
});

/** Host actions of a differential scenario. */
const action = fc.oneof(
  fc.record({ k: fc.constant('hello' as const) }),
  fc.record({ k: fc.constant('seal' as const), n: fc.integer({ min: 0, max: 520 }) }),
  fc.record({ k: fc.constant('rseal' as const), n: fc.integer({ min: 0, max: 520 }) }),
  fc.record({ k: fc.constant('replay' as const), i: fc.nat() }),
  fc.record({
    k: fc.constant('mutate' as const),
    i: fc.nat(),
    m: fc.array(mutation, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ k: fc.constant('noise' as const), b: edgyBytes(40) }),
  fc.record({ k: fc.constant('wait' as const), ms: fc.constantFrom(50, 250, 20_000, 90_000_000) }),
  fc.record({ k: fc.constant('rekey' as const) }),
);

describe('lean responder = ReaderChannel, step for step', () => {
  it('handshakes, records, replays, forgeries, noise, expiry and rekeys give identical steps (1 000 scenarios)', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 30 }), fc.nat(), (acts, seed) => {
        const full: ReaderChannel = makeReader({}, seededRandom(seed + 1), fastAes);
        const r = lean(seededRandom(seed + 1), fastAes);
        const host = makeHost({}, seededRandom(seed + 2), fastAes);
        const seen: Uint8Array[] = [];
        let now = 1000;
        const both = (b: Uint8Array) => {
          seen.push(b);
          const a = view(full.receive(b, now));
          expect(view(respond(r, b, now))).toEqual(a);
          // What the reader sent goes to the host, so the scenario can reach CONFIRM and records.
          for (const s of a.send) {
            const hs = host.receive(fromHex(s), now);
            for (const x of hs.send) both(x);
          }
        };
        for (const a of acts) {
          if (a.k === 'hello') both(host.start());
          else if (a.k === 'seal') {
            const s = host.seal(new Uint8Array(a.n).fill(7), now);
            if (s.ok) both(s.value);
          } else if (a.k === 'rseal') {
            const body = new Uint8Array(a.n).fill(9);
            const x = full.seal(body, now);
            const y = sealFor(r, body, now);
            // sealFor's failures are the code alone (no offset): the code is compared.
            expect(y instanceof Uint8Array ? toHex(y) : y).toEqual(x.ok ? toHex(x.value) : x.code);
            if (x.ok) host.receive(x.value, now);
          } else if (a.k === 'replay' && seen.length) both(seen[a.i % seen.length] as Uint8Array);
          else if (a.k === 'mutate' && seen.length) both(mutate(seen[a.i % seen.length] as Uint8Array, a.m));
          else if (a.k === 'noise') both(a.b);
          else if (a.k === 'wait') now += a.ms;
          else if (a.k === 'rekey') {
            expect(setResponderKey(r, KR2)).toBe(full.setKey(KR2).ok);
          }
          expect(!!r.s).toBe(full.isUp());
        }
      }),
      { numRuns: 1000 },
    );
  });

  it(`${FUZZ_RUNS} random and mutated packets against an established session: identical typed steps`, () => {
    const host = makeHost({}, seededRandom(3), fastAes);
    const full = makeReader({}, seededRandom(12), fastAes);
    const r = lean(seededRandom(12), fastAes);
    const hs = handshake(host, full);
    respond(r, hs.hello, 0);
    expect(respond(r, hs.confirm, 0).up).toBe(true);
    const seeds = [hs.hello, hs.confirm];
    for (let i = 0; i < 6; i++) {
      const s = host.seal(new Uint8Array(1 + i * 30).fill(i), 0);
      if (s.ok) seeds.push(s.value);
    }
    let now = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          fc
            .tuple(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }))
            .map(([i, m]) => mutate(seeds[i % seeds.length] as Uint8Array, m)),
        ),
        (b) => {
          now += 50;
          const want = view(full.receive(b, now));
          const got = view(respond(r, b, now));
          expect(got).toEqual(want);
          if (got.fail) expect(got.fail).toBeGreaterThanOrEqual(400);
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
  });
});

/** Whether `v` holds text or null: what the strict decoder takes and the reader's refuses. */
function textOrNull(v: CborValue): boolean {
  if (v === null || typeof v === 'string') return true;
  if (v instanceof Uint8Array || typeof v !== 'object') return false;
  return Object.values(v).some(textOrNull);
}

function sameAsMini(b: Uint8Array): void {
  const l = leanDecode(b);
  const m = decodeCbor(b);
  if (l !== null) {
    expect(m.ok).toBe(true);
    expect(l).toEqual((m as { value: CborValue }).value);
  } else if (m.ok) expect(textOrNull(m.value)).toBe(true);
}

describe('lean CBOR against the strict codec and cbor-x', () => {
  it('decodes every host-to-reader message the schema allows, to the strict decoder value', () => {
    const toReader = fc.oneof(...[18, 20, 21, 22, 23, 24, 25].map((t) => messageArb(t)));
    fc.assert(
      fc.property(toReader, (msg) => {
        const bytes = encodeCbor(messageToCbor(msg));
        const l = leanDecode(bytes);
        expect(l).not.toBeNull();
        expect(l).toEqual(decodeCbor(bytes).ok && (decodeCbor(bytes) as { value: CborValue }).value);
      }),
      { numRuns: 2000 },
    );
  });

  it('encodes every reader-to-host message as the strict encoder and cbor-x do', () => {
    // The firmware's only text is its ASCII version string.
    const ascii = (m: Message) => !('fw' in m) || /^[ -~]*$/.test(m.fw as string);
    const fromReader = fc.oneof(...[16, 17, 19, 23, 24].map((t) => messageArb(t).filter(ascii)));
    fc.assert(
      fc.property(fromReader, (msg) => {
        const m = messageToCbor(msg);
        const want = toHex(encodeCbor(m));
        expect(toHex(leanEncode(m))).toBe(want);
        expect(toHex(encodeCborHost(m))).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });

  it(`${FUZZ_RUNS} random, edge-biased and mutated inputs: never throws, accepts only what decodeCbor accepts`, () => {
    const valid = cborValue(3).map((v) => encodeCbor(v));
    fc.assert(
      fc.property(
        fc.oneof(
          edgyBytes(64),
          fc.tuple(valid, fc.array(mutation, { maxLength: 3 })).map(([b, m]) => mutate(b, m)),
        ),
        (b) => sameAsMini(b),
      ),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('refuses text, null, non-canonical heads and unsorted keys, and an encoder input it cannot represent', () => {
    for (const hex of ['6161', 'f6', '1817', 'a20100 0000', 'a2020001 00', '5801ff', 'fb3ff0000000000000'])
      expect(leanDecode(fromHex(hex.replace(/ /g, '')))).toBeNull();
    expect(() => leanEncode({ 2: [1] as unknown as Uint8Array })).toThrow(TypeError);
  });
});

describe('lean deframer = Deframer', () => {
  const frames = fc.array(
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 520 }).map((p) => (p.length <= 512 ? encodeFrame(p) : p)),
      // Runs of non-zero bytes around the 514-byte decoded limit: the too-long path.
      fc.uint8Array({ min: 1, minLength: 505, maxLength: 530 }),
      edgyBytes(30),
    ),
    { maxLength: 6 },
  );
  it(`${FUZZ_RUNS} streams of frames, garbage and mutations in random chunks: the same payloads and faults`, () => {
    fc.assert(
      fc.property(
        frames,
        fc.array(mutation, { maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 64 })),
        (fs, m, cuts) => {
          let all: Uint8Array = new Uint8Array(fs.reduce((n, f) => n + f.length, 0));
          let o = 0;
          for (const f of fs) {
            all.set(f, o);
            o += f.length;
          }
          all = mutate(all, m);
          const want: string[] = [];
          const df = new Deframer(
            (p) => want.push(toHex(p)),
            () => want.push('fault'),
          );
          const got: string[] = [];
          const ld = leanDeframer((p) => got.push(p ? toHex(p) : 'fault'));
          let at = 0;
          for (let i = 0; at < all.length; i++) {
            const n = cuts.length ? (cuts[i % cuts.length] as number) : all.length;
            const c = all.subarray(at, at + n);
            df.push(c);
            ld(c);
            at += n;
          }
          expect(got).toEqual(want);
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
  });
});
