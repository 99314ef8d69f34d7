/**
 * Firmware figures: bundle sizes per board and role (baseline: the same bundle unminified), and the work per
 * BLE sighting and per NFC tap when the built bundles run in the simulator's Espruino runtime: wall time and
 * native AES calls (counted by wrapping crypto.AES.encrypt inside the device). The sighting baseline is the
 * runtime delivering the same advertisement to an empty scan callback, measured in the same run.
 * Run: node --conditions=source --import tsx simulator/bench/firmware.bench.ts
 */
import { encodeAdvertisement } from '@badgewire/protocol';
import { build } from 'esbuild';
import {
  boardDefines,
  byteLimit,
  entrySource,
  FIRMWARE_DIR,
  type Role,
  readBudget,
  supported,
} from '../../firmware/build/bundle';
import type { BoardName } from '../../firmware/build/subset-budget';
import { type Row, report } from '../../protocol/bench/report';
import type { EspruinoDevice } from '../src/espruino/runtime';
import {
  badgeAsTag,
  badgeDevice,
  bundle,
  Host,
  readerDevice,
  T_CHALLENGES,
  VirtualClock,
} from '../src/testing/firmware-rig';

const BOARDS: BoardName[] = ['puckjs', 'mdbt42q', 'esp32'];
const ROLES: Role[] = ['reader', 'badge'];

async function unminified(board: BoardName, role: Role): Promise<number> {
  const r = await build({
    stdin: { contents: entrySource(board, role), resolveDir: `${FIRMWARE_DIR}/src/board`, loader: 'ts' },
    bundle: true,
    format: 'iife',
    target: 'es2015',
    platform: 'neutral',
    write: false,
    conditions: ['source'],
    external: ['Storage', 'crypto'],
    define: boardDefines(board, 'bench'),
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
    logLevel: 'silent',
  });
  return r.outputFiles[0]?.contents.length ?? 0;
}

/** Counts native AES calls made by the firmware running on `dev`. */
function countAes(dev: EspruinoDevice): () => number {
  dev.eval(
    'var __c=require("crypto").AES;var __e=__c.encrypt;global.__n=0;__c.encrypt=function(a,b,c){global.__n++;return __e.call(__c,a,b,c);};',
  );
  return () => Number(dev.eval('global.__n').value);
}

const sizes: Row[] = [];
const budget = readBudget();
for (const board of BOARDS)
  for (const role of ROLES) {
    if (!supported(board, role)) continue;
    const b = await bundle(board, role);
    sizes.push({
      name: `${board} ${role} bundle`,
      value: b.bytes,
      unit: 'B',
      baseline: { name: 'unminified', value: await unminified(board, role) },
      target: `<= ${budget[role]}`,
    });
    sizes.push({ name: `${board} ${role} enforced limit`, value: byteLimit(budget, role), unit: 'B' });
  }
report('Firmware bundles (esbuild iife es2015 minified, subset-checked)', sizes);

const work: Row[] = [];
for (const board of ['puckjs', 'esp32'] as BoardName[]) {
  const clock = new VirtualClock();
  const port = board === 'esp32' ? 'Serial2' : 'Serial1';
  const r = readerDevice((await bundle(board, 'reader')).code, clock, { board, link: port });
  r.dev.boot();
  const host = new Host(r.dev, clock, port);
  host.handshake();
  clock.advance(100);
  const aes = countAes(r.dev);
  const N = 300;
  const eph = new Uint8Array(16);
  const a0 = aes();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    eph[0] = i & 255;
    eph[1] = i >> 8;
    r.dev.radio.hooks!.deliver({
      id: 'c1:00:00:00:00:01 random',
      rssi: -60,
      data: encodeAdvertisement(0xffff, eph),
    });
    clock.advance(10);
  }
  const per = (performance.now() - t0) / N;
  const aesPer = (aes() - a0) / N;
  // Baseline: the same delivery path into an empty scan callback on a fresh device.
  const c2 = new VirtualClock();
  const empty = readerDevice('NRF.setScan(function(d){}, {filters:[{manufacturerData:{65535:{}}}]});', c2, {
    board,
  });
  empty.dev.boot();
  const t1 = performance.now();
  for (let i = 0; i < N; i++) {
    empty.dev.radio.hooks!.deliver({
      id: 'c1:00:00:00:00:01 random',
      rssi: -60,
      data: encodeAdvertisement(0xffff, eph),
    });
    c2.advance(10);
  }
  const base = (performance.now() - t1) / N;
  work.push({
    name: `${board} per sighting (simulated)`,
    value: per,
    unit: 'ms',
    baseline: { name: 'empty scan callback', value: base },
  });
  work.push({ name: `${board} AES calls per sighting`, value: aesPer, unit: 'calls', target: '<= 4' });

  if (board === 'puckjs') {
    const badge = badgeDevice((await bundle('puckjs', 'badge')).code, clock);
    badge.boot();
    const baes = countAes(badge);
    const T = 20;
    const ra0 = aes();
    const ba0 = baes();
    const t2 = performance.now();
    for (let i = 0; i < T; i++) {
      host.send({ 0: T_CHALLENGES, 1: i + 1, 2: [new Uint8Array(8).fill(i)], 3: 30, 4: i });
      clock.advance(20);
      r.chip.place(badgeAsTag(badge));
      clock.advance(600);
      r.chip.place(null);
      clock.advance(600);
    }
    const tapMs = (performance.now() - t2) / T;
    work.push({ name: 'puckjs per mode C tap (reader+badge+PN532, simulated)', value: tapMs, unit: 'ms' });
    work.push({ name: 'reader AES calls per tap', value: (aes() - ra0) / T, unit: 'calls' });
    work.push({ name: 'badge AES calls per tap', value: (baes() - ba0) / T, unit: 'calls', target: '<= 2' });
  }
}
report('Firmware work per event in the Espruino runtime', work);
