/**
 * Venue scenario files (JSON): places, readers, badges, entitlements, arrivals, air, faults. Parsed into a
 * fully defaulted `Scenario` or refused with a `ScenarioError` naming the JSON path, never a half-read one.
 */
import { readFileSync } from 'node:fs';

export type PlaceKind = 'entrance' | 'hall' | 'booth' | 'room';
export type ReaderRole = 'door' | 'booth' | 'room';

export interface Place {
  id: string;
  kind: PlaceKind;
  /** Rectangle in venue metres. */
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ReaderSpec {
  id: string;
  place: string;
  role: ReaderRole;
  board: 'puckjs' | 'mdbt42q' | 'esp32';
  link: 'memory' | 'pty';
  x: number;
  y: number;
  /** Door readers: the zone the door leads into. */
  zone?: string;
  /** Booth readers: the exhibitor the leads belong to. */
  exhibitor?: string;
  /**
   * Runs the real reader bundle in the Espruino runtime (PN532 emulator on I2C, host link on the UART)
   * instead of the protocol-level reader. Needs a board with native AES (puckjs, esp32).
   */
  firmware: boolean;
}

export type FaultSpec =
  | {
      kind: 'line-noise';
      reader: string;
      atS: number;
      forS: number;
      bitError: number;
      drop: number;
      dup: number;
      stallMs: number;
    }
  | { kind: 'power-loss'; reader: string; atS: number; offS: number }
  | { kind: 'host-crash'; atS: number; downS: number }
  | { kind: 'clock-skew'; badges: number; skewS: number; driftPpm: number }
  | { kind: 'replay'; atS: number; count: number }
  | { kind: 'forgery'; atS: number; count: number }
  | { kind: 'relay'; atS: number; count: number }
  | { kind: 'stolen-reader'; reader: string; atS: number };

export interface AirSpec {
  /** RSSI at 1 m (dBm). */
  txPowerDbm: number;
  pathLossExponent: number;
  /** Standard deviation of the seeded Gaussian noise on each RSSI (dB). */
  noiseDb: number;
  /** Probability that one advertisement is lost. */
  loss: number;
  advIntervalMs: number;
  /** Readers ignore advertisements weaker than this. */
  rssiFloorDbm: number;
  /** A reader reports an EphID again only after this long (ms). */
  dedupMs: number;
}

export interface Scenario {
  name: string;
  seed: number;
  durationS: number;
  tenant: string;
  badges: number;
  /** MCU badges that run the real badge bundle in the Espruino runtime (the rest use the protocol builders). */
  firmwareBadges: number;
  /** Share of attendees carrying a passive NTAG 424 DNA SUN tag instead of an MCU badge. */
  sunShare: number;
  /** Share of attendees entitled to enter; the rest are refused at the door. */
  entitledShare: number;
  places: Place[];
  readers: ReaderSpec[];
  /** Cumulative arrival curve: [fraction of duration, fraction of attendees arrived], increasing. */
  arrivals: [number, number][];
  /** Mean seconds an attendee stays in one place before moving on. */
  dwellS: number;
  /** Probability an attendee taps the booth reader when visiting a booth. */
  boothTapShare: number;
  air: AirSpec;
  faults: FaultSpec[];
  /** Simulation step (virtual seconds). */
  stepS: number;
}

export class ScenarioError extends Error {
  readonly code = 'E_SCENARIO';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`scenario ${path}: ${message} [E_SCENARIO]`);
  }
}

const AIR_DEFAULT: AirSpec = {
  txPowerDbm: -59,
  pathLossExponent: 2.2,
  noiseDb: 4,
  loss: 0.15,
  advIntervalMs: 1000,
  rssiFloorDbm: -92,
  dedupMs: 120_000,
};

type Json = Record<string, unknown>;

function obj(v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ScenarioError(path, 'must be an object');
  return v as Json;
}
function num(o: Json, k: string, path: string, dflt?: number, min = -1e12, max = 1e12): number {
  const v = o[k] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ScenarioError(`${path}.${k}`, 'must be a number');
  if (v < min || v > max) throw new ScenarioError(`${path}.${k}`, `must be within [${min}, ${max}]`);
  return v;
}
function str(o: Json, k: string, path: string, dflt?: string): string {
  const v = o[k] ?? dflt;
  if (typeof v !== 'string' || v.length === 0)
    throw new ScenarioError(`${path}.${k}`, 'must be a non-empty string');
  return v;
}
function oneOf<T extends string>(o: Json, k: string, path: string, allowed: readonly T[], dflt?: T): T {
  const v = str(o, k, path, dflt);
  if (!(allowed as readonly string[]).includes(v))
    throw new ScenarioError(`${path}.${k}`, `must be one of ${allowed.join(', ')}`);
  return v as T;
}
function arr(o: Json, k: string, path: string, dflt?: unknown[]): unknown[] {
  const v = o[k] ?? dflt;
  if (!Array.isArray(v)) throw new ScenarioError(`${path}.${k}`, 'must be an array');
  return v;
}

function parsePlace(v: unknown, path: string): Place {
  const o = obj(v, path);
  return {
    id: str(o, 'id', path),
    kind: oneOf(o, 'kind', path, ['entrance', 'hall', 'booth', 'room'] as const),
    x: num(o, 'x', path),
    y: num(o, 'y', path),
    w: num(o, 'w', path, undefined, 1),
    h: num(o, 'h', path, undefined, 1),
  };
}

function parseReader(v: unknown, path: string, places: Place[]): ReaderSpec {
  const o = obj(v, path);
  const place = str(o, 'place', path);
  const p = places.find((x) => x.id === place);
  if (!p) throw new ScenarioError(`${path}.place`, `unknown place "${place}"`);
  const r: ReaderSpec = {
    id: str(o, 'id', path),
    place,
    role: oneOf(o, 'role', path, ['door', 'booth', 'room'] as const),
    board: oneOf(o, 'board', path, ['puckjs', 'mdbt42q', 'esp32'] as const, 'puckjs'),
    link: oneOf(o, 'link', path, ['memory', 'pty'] as const, 'memory'),
    x: num(o, 'x', path, p.x + p.w / 2),
    y: num(o, 'y', path, p.y + p.h / 2),
    firmware: o.firmware === true,
  };
  if (r.firmware && r.board === 'mdbt42q')
    throw new ScenarioError(
      `${path}.firmware`,
      'the reader bundle refuses to run on mdbt42q (no AES in its stock firmware): use puckjs or esp32',
    );
  if (r.role === 'door') r.zone = str(o, 'zone', path, 'hall');
  if (r.role === 'booth') r.exhibitor = str(o, 'exhibitor', path, r.id);
  return r;
}

function parseFault(v: unknown, path: string, readers: ReaderSpec[]): FaultSpec {
  const o = obj(v, path);
  const kind = str(o, 'kind', path);
  const reader = (): string => {
    const id = str(o, 'reader', path);
    if (!readers.some((r) => r.id === id))
      throw new ScenarioError(`${path}.reader`, `unknown reader "${id}"`);
    return id;
  };
  const atS = (): number => num(o, 'atS', path, undefined, 0);
  switch (kind) {
    case 'line-noise':
      return {
        kind,
        reader: reader(),
        atS: atS(),
        forS: num(o, 'forS', path, 300, 1),
        bitError: num(o, 'bitError', path, 1e-4, 0, 1),
        drop: num(o, 'drop', path, 0.01, 0, 1),
        dup: num(o, 'dup', path, 0.01, 0, 1),
        stallMs: num(o, 'stallMs', path, 0, 0),
      };
    case 'power-loss':
      return { kind, reader: reader(), atS: atS(), offS: num(o, 'offS', path, 30, 1) };
    case 'host-crash':
      return { kind, atS: atS(), downS: num(o, 'downS', path, 20, 1) };
    case 'clock-skew':
      return {
        kind,
        badges: num(o, 'badges', path, 5, 1),
        skewS: num(o, 'skewS', path, 150),
        driftPpm: num(o, 'driftPpm', path, 100),
      };
    case 'replay':
    case 'forgery':
    case 'relay':
      return { kind, atS: atS(), count: num(o, 'count', path, 3, 1) };
    case 'stolen-reader':
      return { kind, reader: reader(), atS: atS() };
    default:
      throw new ScenarioError(`${path}.kind`, `unknown fault "${kind}"`);
  }
}

/** Validates a parsed JSON scenario and fills in defaults. */
export function parseScenario(json: unknown): Scenario {
  const o = obj(json, '$');
  const places = arr(o, 'places', '$').map((p, i) => parsePlace(p, `$.places[${i}]`));
  const readers = arr(o, 'readers', '$').map((r, i) => parseReader(r, `$.readers[${i}]`, places));
  const ids = new Set<string>();
  for (const r of readers) {
    if (ids.has(r.id)) throw new ScenarioError('$.readers', `duplicate reader id "${r.id}"`);
    ids.add(r.id);
  }
  for (const k of ['entrance', 'hall'] as const)
    if (!places.some((p) => p.kind === k)) throw new ScenarioError('$.places', `needs a place of kind ${k}`);
  if (!readers.some((r) => r.role === 'door')) throw new ScenarioError('$.readers', 'needs a door reader');
  const arrivals = arr(o, 'arrivals', '$', [
    [0, 0],
    [0.3, 0.7],
    [0.6, 1],
    [1, 1],
  ]).map((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => typeof x === 'number' && x >= 0 && x <= 1))
      throw new ScenarioError(`$.arrivals[${i}]`, 'must be [fraction, fraction] within [0, 1]');
    return [p[0], p[1]] as [number, number];
  });
  const air = obj(o.air ?? {}, '$.air');
  const faults = arr(o, 'faults', '$', []).map((f, i) => parseFault(f, `$.faults[${i}]`, readers));
  return {
    name: str(o, 'name', '$', 'scenario'),
    seed: num(o, 'seed', '$', 1),
    durationS: num(o, 'durationS', '$', 3600, 60),
    tenant: str(o, 'tenant', '$', 'sim'),
    badges: num(o, 'badges', '$', 200, 1),
    sunShare: num(o, 'sunShare', '$', 0.1, 0, 1),
    firmwareBadges: num(o, 'firmwareBadges', '$', 0, 0, 64),
    entitledShare: num(o, 'entitledShare', '$', 0.97, 0, 1),
    places,
    readers,
    arrivals,
    dwellS: num(o, 'dwellS', '$', 600, 10),
    boothTapShare: num(o, 'boothTapShare', '$', 0.5, 0, 1),
    air: {
      txPowerDbm: num(air, 'txPowerDbm', '$.air', AIR_DEFAULT.txPowerDbm),
      pathLossExponent: num(air, 'pathLossExponent', '$.air', AIR_DEFAULT.pathLossExponent, 1, 6),
      noiseDb: num(air, 'noiseDb', '$.air', AIR_DEFAULT.noiseDb, 0, 30),
      loss: num(air, 'loss', '$.air', AIR_DEFAULT.loss, 0, 0.99),
      advIntervalMs: num(air, 'advIntervalMs', '$.air', AIR_DEFAULT.advIntervalMs, 20, 10_240),
      rssiFloorDbm: num(air, 'rssiFloorDbm', '$.air', AIR_DEFAULT.rssiFloorDbm, -127, 0),
      dedupMs: num(air, 'dedupMs', '$.air', AIR_DEFAULT.dedupMs, 0),
    },
    faults,
    stepS: num(o, 'stepS', '$', 5, 1, 60),
  };
}

export function loadScenario(file: string): Scenario {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ScenarioError(file, `cannot read JSON (${(e as Error).message})`);
  }
  return parseScenario(json);
}
