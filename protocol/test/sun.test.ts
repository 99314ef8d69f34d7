import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { an10922 } from '../src/badge/an10922';
import {
  an10922FileKeys,
  macTruncate,
  SunVerifier,
  sunMacKey,
  sunTagRef,
  verifySunMessage,
} from '../src/badge/sun';
import { parseSunUrl, SUN_DEFAULT_LAYOUT, type SunUrlLayout } from '../src/badge/sun-url';
import { concat, fromHex, toHex } from '../src/bytes';
import { cmac } from '../src/crypto/cmac';
import { fastAes } from '../src/crypto/fast';
import { nobleAes } from '../src/crypto/noble';
import { E_SUN_FORMAT, E_SUN_MAC, E_SUN_REPLAY } from '../src/errors';
import { MemoryCounterStore } from '../src/resolver/counters';
import { sharedVector } from './vectors';

const v = sharedVector('ntag424-sun-an12196.json');
const P18: SunUrlLayout = { picc: 'picc_data', mac: 'cmac', enc: 'enc', macFrom: 'enc' };
const byId = (id: string) => v.vectors.find((x: { id: string }) => x.id === id);
const asciiHex = (s: string) => toHex(new TextEncoder().encode(s));

describe('NTAG 424 DNA SUN (AN12196)', () => {
  for (const aes of [nobleAes, fastAes]) {
    for (const t of v.vectors) {
      it(`${t.id}: every published value (${aes === fastAes ? 'fast' : 'noble'} AES)`, () => {
        const meta = fromHex(t.k_sdm_meta_read);
        const file = fromHex(t.k_sdm_file_read);
        const layout = t.id === 'an12196-p18' ? P18 : SUN_DEFAULT_LAYOUT;
        const parsed = parseSunUrl(t.url_example, layout);
        if (!parsed.ok) throw new Error('parse failed ' + parsed.code);
        const m = parsed.value;
        expect(toHex(m.picc)).toBe(t.picc_enc_data);
        expect(toHex(m.mac)).toBe(t.sdmmac);
        expect(toHex(m.macInput)).toBe(asciiHex(t.sdmmac_input_ascii));
        const plain = aes.cbcDecrypt(meta, new Uint8Array(16), m.picc);
        if (t.picc_data_plain) expect(toHex(plain)).toBe(t.picc_data_plain);
        expect(toHex(plain.subarray(0, 1))).toBe(t.picc_data_tag);
        if (t.k_ses_sdm_file_read_mac)
          expect(toHex(sunMacKey(aes, file, fromHex(t.uid), plain.subarray(8, 11)))).toBe(
            t.k_ses_sdm_file_read_mac,
          );
        const r = verifySunMessage(aes, meta, () => file, m);
        if (!r.ok) throw new Error('verify failed ' + r.code);
        expect(toHex(r.value.uid)).toBe(t.uid);
        expect(r.value.ctr).toBe(t.sdm_read_ctr);
        if (t.sdm_enc_file_data) {
          expect(toHex(m.encFile as Uint8Array)).toBe(t.sdm_enc_file_data);
          expect(new TextDecoder().decode(r.value.fileData as Uint8Array)).toBe(t.file_data_utf8);
        } else expect(r.value.fileData).toBeNull();
      });
    }
  }

  for (const n of v.negative) {
    it(`${n.id}: ${n.expect}`, () => {
      const t = byId('an12196-p18');
      const m = {
        picc: fromHex(n.picc_enc_data),
        mac: fromHex(n.sdmmac),
        macInput: fromHex(asciiHex(t.sdmmac_input_ascii)),
        encFile: fromHex(n.sdm_enc_file_data),
      };
      const r = verifySunMessage(fastAes, fromHex(t.k_sdm_meta_read), () => fromHex(t.k_sdm_file_read), m);
      expect(r).toEqual({ ok: false, code: E_SUN_MAC, at: -1 });
    });
  }

  it('rejects the p.12 message under a wrong meta key, a wrong file key, or any flipped bit', () => {
    const t = byId('an12196-p12');
    const m = parseSunUrl(t.url_example, SUN_DEFAULT_LAYOUT);
    if (!m.ok) throw new Error('parse');
    const zero = new Uint8Array(16);
    const one = new Uint8Array(16).fill(1);
    expect(verifySunMessage(fastAes, one, () => zero, m.value).ok).toBe(false);
    expect(verifySunMessage(fastAes, zero, () => one, m.value).ok).toBe(false);
    for (let bit = 0; bit < 8 * 24; bit++) {
      const picc = new Uint8Array(m.value.picc);
      const mac = new Uint8Array(m.value.mac);
      if (bit < 128) picc[bit >> 3] = (picc[bit >> 3] as number) ^ (1 << (bit & 7));
      else mac[(bit - 128) >> 3] = (mac[(bit - 128) >> 3] as number) ^ (1 << (bit & 7));
      const r = verifySunMessage(fastAes, zero, () => zero, { ...m.value, picc: picc, mac: mac });
      expect(r.ok ? 0 : r.code).toBe(E_SUN_MAC);
    }
  });

  it('SunVerifier: AN10922-diversified file key, opaque ref, counter strictly increasing per tag', () => {
    // Build genuine tag output ourselves (the tag side of NT4H2421Gx §9.3) for a diversified key.
    const meta = fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
    const master = fromHex('b0b1b2b3b4b5b6b7b8b9babbbcbdbebf');
    const kRef = fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
    const suffix = fromHex('3042f54e585020416275');
    const uid = fromHex('04aabbccddeeff');
    const tagMessage = (ctr: number) => {
      const plain = concat([
        new Uint8Array([0xc7]),
        uid,
        new Uint8Array([ctr & 255, ctr >> 8, ctr >> 16]),
        new Uint8Array(5).fill(ctr),
      ]);
      const fileKey = an10922(nobleAes, master, concat([uid, suffix]));
      const macKey = sunMacKey(nobleAes, fileKey, uid, plain.subarray(8, 11));
      return {
        picc: nobleAes.cbc(meta, new Uint8Array(16), plain),
        mac: macTruncate(cmac(nobleAes, macKey, new Uint8Array(0))),
        macInput: new Uint8Array(0),
        encFile: null,
      };
    };
    const store = new MemoryCounterStore();
    const sv = new SunVerifier(
      fastAes,
      meta,
      an10922FileKeys(fastAes, master, suffix),
      (u) => sunTagRef(fastAes, kRef, u),
      store,
    );
    const a = sv.verify(tagMessage(5));
    if (!a.ok) throw new Error('verify ' + a.code);
    expect(a.value.ctr).toBe(5);
    expect(a.value.ref).toMatch(/^sun:[0-9a-f]{16}$/);
    expect(a.value.ref).not.toContain(toHex(uid));
    expect(sv.verify(tagMessage(5))).toEqual({ ok: false, code: E_SUN_REPLAY, at: -1 });
    expect(sv.verify(tagMessage(4))).toEqual({ ok: false, code: E_SUN_REPLAY, at: -1 });
    const b = sv.verify(tagMessage(6));
    expect(b.ok && b.value.ctr).toBe(6);
    expect(store.load(a.value.ref)).toBe(6);
  });
});

describe('an10922FileKeys', () => {
  it('refuses, at configuration time, a suffix that cannot fit M with a 7-byte UID', () => {
    expect(() => an10922FileKeys(fastAes, new Uint8Array(16), new Uint8Array(25))).toThrow(TypeError);
    expect(() => an10922FileKeys(fastAes, new Uint8Array(32), new Uint8Array(10))).toThrow(TypeError);
    const f = an10922FileKeys(fastAes, new Uint8Array(16), new Uint8Array(24));
    expect(f(new Uint8Array(7)).length).toBe(16);
  });
});

describe('parseSunUrl', () => {
  it('rejects malformed URLs with E_SUN_FORMAT', () => {
    const bad = [
      'https://x/424',
      'https://x/424?e=EF963FF7828658A599F3041510671E88',
      'https://x/424?e=EF963FF7828658A599F3041510671E8&c=94EED9EE65337086',
      'https://x/424?e=EF963FF7828658A599F3041510671E8G&c=94EED9EE65337086',
      'https://x/424?e=EF963FF7828658A599F3041510671E88&c=94EED9EE65337086&c=94EED9EE65337086',
      'https://x/424?e=EF963FF7828658A599F3041510671E88&c=94EED9EE65337086&',
      'https://x/424?e=EF963FF7828658A599F3041510671E88&c=94EED9EE6533708é',
      'https://x/424?e=EF963FF7828658A599F3041510671E88&c=94EED9EE65337086 ',
    ];
    for (const u of bad) {
      const r = parseSunUrl(u, SUN_DEFAULT_LAYOUT);
      expect(r.ok ? 0 : r.code, u).toBe(E_SUN_FORMAT);
    }
  });

  it('never throws and fails only with E_SUN_FORMAT on arbitrary and mutated URLs', () => {
    const runs = Number(process.env.FUZZ_RUNS ?? 100000);
    const base = byId('an12196-p18').url_example as string;
    const mutated = fc
      .tuple(fc.nat(base.length), fc.nat(base.length), fc.string({ maxLength: 4 }))
      .map(([a, b, s]) => base.substring(0, Math.min(a, b)) + s + base.substring(Math.max(a, b)));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 120 }), mutated), (u) => {
        for (const layout of [SUN_DEFAULT_LAYOUT, P18]) {
          const r = parseSunUrl(u, layout);
          if (r.ok ? r.value.picc.length + r.value.mac.length !== 24 : r.code !== E_SUN_FORMAT) return false;
        }
        return true;
      }),
      { numRuns: runs },
    );
  });
});
