/**
 * Badge frames as a vector (part 10): keys derived from a fixed event master key, the EphID of a few slots,
 * the BLE presence advertisement and tap frames in modes S and C, plus what the decoders make of them.
 * Inputs match the worked example of part 10 §10.9 (MK = 00 01 … 1f, serial 00…01, badge time 1 731 940).
 */
import { decodeAdvertisement, encodeAdvertisement } from '../src/badge/advert';
import { ephId, ephIdInput, slotOf } from '../src/badge/ephid';
import { deriveBadgeKeys } from '../src/badge/keys';
import { decodeTap, encodeTap, HDR_TAP_C, HDR_TAP_S, tapBlock } from '../src/badge/tap';
import { fromHex, toHex } from '../src/bytes';
import { nobleAes } from '../src/crypto/noble';
import { errorName } from '../src/errors';
import type { Json } from './vectors-build';

export function badgeVector(source: Json): Json {
  const mk = new Uint8Array(32).map((_, i) => i);
  const serial = fromHex('0000000000000001');
  const keys = deriveBadgeKeys(nobleAes, mk, serial);
  const t = 1731940;
  const slot = slotOf(t);
  const eph = ephId(nobleAes, keys.kId, slot);
  const adv = encodeAdvertisement(0xffff, eph);
  const chal = fromHex('0123456789abcdef');
  const taps = [
    { mode: 'S', hdr: HDR_TAP_S, ctr: 1, time: t, chal: new Uint8Array(8) },
    { mode: 'C', hdr: HDR_TAP_C, ctr: 2, time: t + 5, chal: chal },
  ];
  const da = decodeAdvertisement(adv);
  return {
    source: source,
    inputs: { mk: toHex(mk), serial: toHex(serial), badge_time: t, company_id: 'ffff' },
    keys: { k_id: toHex(keys.kId), k_tap: toHex(keys.kTap) },
    ephids: [slot - 1, slot, slot + 1].map((s) => ({
      slot: s,
      input: toHex(ephIdInput(s)),
      ephid: toHex(ephId(nobleAes, keys.kId, s)),
    })),
    advertisement: {
      bytes: toHex(adv),
      decoded: da.ok
        ? { cid: da.value.cid, hdr: da.value.hdr, eph: toHex(da.value.eph) }
        : errorName(da.code),
    },
    taps: taps.map((x) => {
      const f = encodeTap(nobleAes, keys.kTap, eph, x.hdr, x.ctr, x.time, x.chal);
      const d = decodeTap(f);
      return {
        mode: x.mode,
        ctr: x.ctr,
        badge_time: x.time,
        chal: toHex(x.chal),
        plaintext: toHex(tapBlock(x.ctr, x.time, x.chal)),
        frame: toHex(f),
        decoded: d.ok
          ? { hdr: d.value.hdr, eph: toHex(d.value.eph), block: toHex(d.value.block) }
          : errorName(d.code),
      };
    }),
  };
}
