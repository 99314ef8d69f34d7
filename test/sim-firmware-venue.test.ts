/**
 * A venue whose every reader runs the real reader bundle (Puck.js and ESP32) in the Espruino runtime: badges
 * and SUN tags are tapped through the PN532 emulator (the firmware picks the challenge and the badge answers
 * it), the host decides over BW-SC on the UART, and the door outputs carry the decision back. The readers saw
 * every attendee's anti-collision UID on the way, and the audit of their RAM, flash and console still finds
 * no canary, while the same audit does find one the firmware is made to keep.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PiiAudit } from '../simulator/src/audit/index';
import { FirmwareReader } from '../simulator/src/world/firmware-reader';
import { settle } from '../simulator/src/world/runner';
import { parseScenario } from '../simulator/src/world/scenario';
import { World } from '../simulator/src/world/world';

const PN532_IN_LIST_PASSIVE_TARGET = 0x4a;
const PN532_IN_DATA_EXCHANGE = 0x40;

const scenario = parseScenario({
  name: 'firmware-venue',
  seed: 7,
  tenant: 't1',
  durationS: 900,
  badges: 40,
  sunShare: 0.25,
  firmwareBadges: 0,
  entitledShare: 0.8,
  stepS: 5,
  dwellS: 120,
  boothTapShare: 1,
  arrivals: [
    [0, 0],
    [0.5, 1],
    [1, 1],
  ],
  places: [
    { id: 'entrance', kind: 'entrance', x: 0, y: 0, w: 20, h: 8 },
    { id: 'hall', kind: 'hall', x: 0, y: 8, w: 40, h: 20 },
    { id: 'booth-1', kind: 'booth', x: 10, y: 10, w: 6, h: 6 },
    { id: 'room-a', kind: 'room', x: 0, y: 30, w: 20, h: 10 },
  ],
  readers: [
    { id: 'door-p', place: 'entrance', role: 'door', board: 'puckjs', firmware: true, x: 4, y: 1 },
    { id: 'door-e', place: 'entrance', role: 'door', board: 'esp32', firmware: true, x: 16, y: 1 },
    { id: 'booth-1', place: 'booth-1', role: 'booth', board: 'puckjs', firmware: true },
    { id: 'room-a', place: 'room-a', role: 'room', board: 'esp32', firmware: true },
  ],
  air: { txPowerDbm: -59, pathLossExponent: 2.2, noiseDb: 4, loss: 0.1, advIntervalMs: 1000, dedupMs: 60000 },
  faults: [],
});

describe('a venue of real reader firmware', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bw-fwvenue-'));
  const w = new World(scenario, { dataDir, capture: true, linkChunk: 256 });
  const readers = () => w.nodes.map((n) => n.reader as FirmwareReader);

  beforeAll(async () => {
    await w.init();
    await settle(w);
    for (let t = 0; t < scenario.durationS; t += scenario.stepS) {
      w.step();
      await settle(w);
      w.collectDecisions();
    }
  });
  afterAll(async () => {
    await w.host.stop();
    await w.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs every reader as the real bundle, each online to the host', () => {
    expect(w.nodes.map((n) => n.reader instanceof FirmwareReader)).toEqual([true, true, true, true]);
    for (const r of readers()) {
      expect(r.dev.errors, r.name).toEqual([]);
      expect(r.isUp(), r.name).toBe(true);
    }
    expect(w.host.stats.sightings).toBeGreaterThan(0);
    expect(w.host.stats.resolved).toBe(w.host.stats.sightings);
  });

  it('taps through the PN532 and reads each decision back from the door outputs, as the registry expects', () => {
    for (const n of w.nodes.filter((x) => x.spec.role !== 'room')) {
      const r = n.reader as FirmwareReader;
      expect(r.stats.taps, n.spec.id).toBeGreaterThan(0);
      expect(r.stats.decisions, n.spec.id).toBeGreaterThan(0);
      expect(r.chip.stats.commands, n.spec.id).toContain(PN532_IN_LIST_PASSIVE_TARGET);
      expect(r.chip.stats.commands, n.spec.id).toContain(PN532_IN_DATA_EXCHANGE);
    }
    // Challenge-response at the doors: the host took the firmware's challenges and refused none of them.
    expect(w.host.stats.tapRefusals).toEqual({});
    expect(w.host.stats.allow).toBeGreaterThan(0);
    expect(w.host.stats.deny).toBeGreaterThan(0);
    expect(w.decisionMismatches).toBe(0);
    const decided = readers().reduce((s, r) => s + r.stats.decisions, 0);
    const series = w.series.reduce((s, m) => s + m.allow + m.deny, 0);
    expect(series).toBe(decided);
  });

  it('holds no canary in RAM, flash or console after seeing every UID, and finds one it is made to keep', () => {
    const canaries = w.registry.canaries();
    const audit = new PiiAudit(canaries);
    for (const r of readers()) {
      const mem = r.auditRoots();
      expect(mem, r.name).not.toBeNull();
      audit.memory(`reader ${r.name}`, mem as NonNullable<typeof mem>);
      audit.bytesAt(`reader ${r.name} flash`, r.flashBytes());
      audit.text(`reader ${r.name} console`, r.dev.consoleOutput);
    }
    expect(audit.result().hits).toEqual([]);
    const uid = canaries.find((c) => c.kind === 'nfc-uid')?.value as Uint8Array;
    const booth = readers()[2] as FirmwareReader;
    booth.dev.eval(
      `NRF.kept = new Uint8Array([${Array.from(uid, (b) => b ^ 0x5a).join(',')}]).map(function (b) { return b ^ 0x5a; });`,
    );
    const hits = new PiiAudit(canaries).memory(
      'reader booth-1',
      booth.auditRoots() as NonNullable<ReturnType<FirmwareReader['auditRoots']>>,
    );
    expect(hits.map((h) => `${h.kind} ${h.place}`)).toEqual(['nfc-uid reader booth-1 ram:global.NRF.kept']);
  });
});
