/**
 * Rig for the bridge end-to-end tests over real pseudo-terminals: a virtual reader (the built reader firmware
 * in the simulator's Espruino runtime, the PN532 emulator on I2C1, its Serial1 on the device end of a socat
 * pty pair through the real serialport package) and a virtual badge (the badge firmware) for it to read. The
 * device's virtual clock follows wall time, so the firmware's timers run at real speed against a real host.
 *
 * The host side is whatever the test starts on the other pty end: the real bridge (`startBridge` or the CLI).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveBadgeKeys, encodeAdvertisement, nobleAes, toHex } from '@badgewire/protocol';
import { SignJWT } from 'jose';
import { SerialPort } from 'serialport';
import { KeyStore } from '../host/src/keys/index';
import { VirtualPn532 } from '../simulator/src/chips/pn532';
import { VirtualClock } from '../simulator/src/clock';
import { VirtualFlash } from '../simulator/src/espruino/flash';
import { EspruinoDevice } from '../simulator/src/espruino/runtime';
import { openPtyPair, type PtyPair } from '../simulator/src/links/pty';
import { badgeAsTag, bundle, text } from './firmware-harness';

export const RELAY_PIN = 'D26';
export const PASSPHRASE = 'bridge e2e passphrase';

/** A wall-time clock for devices: virtual timers, advanced to Date.now() every few ms. */
export function wallClock(): { clock: VirtualClock; stop(): void } {
  const t0 = Date.now();
  const clock = new VirtualClock({ startMs: 0, epochMs: t0 });
  const timer = setInterval(() => {
    const t = Date.now() - t0;
    if (t > clock.now()) clock.advance(t - clock.now());
  }, 4);
  return { clock, stop: () => clearInterval(timer) };
}

/** A socat pty pair that can be cut (unplug) and re-made on the same paths (replug). */
export class Cable {
  pair: PtyPair | null = null;
  constructor(
    readonly host: string,
    readonly device: string,
  ) {}
  async plug(): Promise<void> {
    this.pair = await openPtyPair(this.host, this.device);
  }
  async unplug(): Promise<void> {
    await this.pair?.kill();
    this.pair = null;
  }
}

/** The reader firmware on a wall clock; its Serial1 is bridged to a pty path while plugged. */
export class VirtualReader {
  readonly chip = new VirtualPn532();
  readonly dev: EspruinoDevice;
  private port: SerialPort | null = null;
  /** Bytes the host sent to this reader, and bytes it sent to the host, over the pty. */
  rx = 0;
  tx = 0;

  constructor(
    code: string,
    readonly clock: VirtualClock,
    cfg: { id: string; key: Uint8Array; link?: 'Serial1' | 'ble' },
  ) {
    this.dev = new EspruinoDevice({
      board: 'puckjs',
      clock,
      flash: new VirtualFlash(40 * 1024),
      seed: 3,
      guardMs: 60_000,
      i2c: { write: (a, d) => this.chip.i2cWrite(a, d), read: (a, n) => this.chip.i2cRead(a, n) },
    });
    this.dev.install(code);
    this.dev.storage.write(
      'bw.cfg',
      text(
        JSON.stringify({
          id: cfg.id,
          key: toHex(cfg.key),
          door: 1,
          cid: 0xffff,
          link: cfg.link ?? 'Serial1',
          relay: 2500,
        }),
      ),
    );
    this.dev.serial('Serial1').onData((b) => {
      if (!this.port) return;
      this.tx += b.length;
      this.port.write(Buffer.from(b));
    });
    this.dev.boot();
  }

  /** Opens the device end of the cable (the UART's wires). */
  async attach(path: string): Promise<void> {
    const p = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => p.open((e) => (e ? rej(e) : res())));
    p.on('data', (c: Buffer) => {
      this.rx += c.length;
      this.dev.serial('Serial1').write(new Uint8Array(c));
      this.clock.advance(0);
    });
    p.on('close', () => {
      if (this.port === p) this.port = null;
    });
    p.on('error', () => undefined);
    this.port = p;
  }

  async detach(): Promise<void> {
    const p = this.port;
    this.port = null;
    if (p?.isOpen) await new Promise<void>((res) => p.close(() => res()));
  }

  relayTrace(): number[] {
    return this.dev.pins.history(RELAY_PIN).map((e) => e.value as number);
  }
}

/** A badge running the badge firmware with keys derived from the event master key and its serial. */
export function virtualBadge(code: string, clock: VirtualClock, keys: { kId: Uint8Array; kTap: Uint8Array }) {
  const dev = new EspruinoDevice({ board: 'puckjs', clock, seed: 9, guardMs: 60_000 });
  dev.install(code);
  dev.storage.write(
    'bw.badge',
    Uint8Array.from(Buffer.from(toHex(keys.kId) + toHex(keys.kTap) + 'ffff', 'hex')),
  );
  // Provisioned to host time: offset 0 in the enrolment file.
  dev.storage.write('bw.clk', text(JSON.stringify({ t: Math.floor(clock.epoch()) })));
  dev.boot();
  return { dev, tag: () => badgeAsTag(dev) };
}

export interface Site {
  dir: string;
  configFile: string;
  readerId: string;
  readerKey: Uint8Array;
  masterKeyId: string;
  badges: { ref: string; serial: string; kId: Uint8Array; kTap: Uint8Array }[];
  env: NodeJS.ProcessEnv;
  secret: Uint8Array;
}

/**
 * A bridge site on disk: sealed key store (event master key, the reader's link key), enrolment file
 * (ref -> serial), API clients file (HS256 secret from the environment) and the bridge config.
 */
export function makeSite(
  dir: string,
  o: {
    hostPath: string;
    mqttPort?: number;
    readerId?: string;
    badges?: number;
    logLevel?: string;
    /** Replaces the serial transport on `hostPath` (e.g. a BLE reader), with the bridge's `ble` section. */
    transport?: Record<string, unknown>;
    ble?: Record<string, unknown>;
  },
): Site {
  mkdirSync(dir, { recursive: true });
  const readerId = o.readerId ?? 'c0ffee0000000001';
  const ks = KeyStore.create(join(dir, 'data', 'keys.sealed'), { passphrase: PASSPHRASE });
  const masterKeyId = ks.createMasterKey('event').id;
  const readerKey = ks.createReaderKey(readerId).key;
  const mk = ks.masterKey(masterKeyId);
  const badges = Array.from({ length: o.badges ?? 2 }, (_, i) => {
    const serial = `BW-${String(1000 + i)}`;
    const k = deriveBadgeKeys(nobleAes, mk, new TextEncoder().encode(serial));
    return { ref: `att-${toHex(randomBytes(4))}`, serial, ...k };
  });
  writeFileSync(
    join(dir, 'enrolment.json'),
    JSON.stringify({ masterKeyId, badges: badges.map((b) => ({ ref: b.ref, serial: b.serial })) }),
  );
  const secret = randomBytes(32);
  writeFileSync(
    join(dir, 'clients.json'),
    JSON.stringify([
      {
        iss: 'acme-ops',
        kid: 'k1',
        alg: 'HS256',
        secretEnv: 'ACME_SECRET',
        tenants: ['acme'],
        scopes: ['events:read', 'admin'],
        registeredAt: '2026-11-01T00:00:00Z',
      },
    ]),
  );
  const configFile = join(dir, 'bridge.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      dataDir: 'data',
      tenants: ['acme'],
      zones: [{ id: 'hall' }],
      doors: [{ id: 'main', zone: 'hall' }],
      readers: [
        {
          id: readerId,
          role: 'door',
          door: 'main',
          transport: o.transport ?? { type: 'serial', path: o.hostPath, baudRate: 115200 },
        },
      ],
      ...(o.ble ? { ble: o.ble } : {}),
      enrolment: { acme: 'enrolment.json' },
      api: {
        listen: { host: '127.0.0.1', port: 0 },
        audience: 'https://bridge.e2e',
        clientsFile: 'clients.json',
      },
      ...(o.mqttPort ? { mqtt: { url: `mqtt://127.0.0.1:${o.mqttPort}`, topicPrefix: 'bw' } } : {}),
      journal: { commitWindowMs: 2 },
      log: { level: o.logLevel ?? 'warn' },
    }),
  );
  const env = {
    BADGEWIRE_KEYSTORE_PASSPHRASE: PASSPHRASE,
    ACME_SECRET: Buffer.from(secret).toString('base64url'),
  };
  return { dir, configFile, readerId, readerKey, masterKeyId, badges, env, secret };
}

/** A two-minute token of the site's API client (issuer acme-ops, audience https://bridge.e2e). */
export function siteToken(site: Site, scope: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tenant: 'acme', scope })
    .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
    .setIssuer('acme-ops')
    .setAudience('https://bridge.e2e')
    .setSubject('ops')
    .setIssuedAt(now)
    .setExpirationTime(now + 120)
    .sign(site.secret);
}

/** How to reach a started bridge's API: its port and the certificate it generated in the site's data dir. */
export function siteApi(site: Site, port: number | undefined): { port: number; ca: string } {
  return { port: port ?? 0, ca: readFileSync(join(site.dir, 'data', 'tls', 'bridge-cert.pem'), 'utf8') };
}

export async function until<T>(what: string, f: () => T | undefined | null | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { bundle };

/**
 * Line noise on the serial path: two pty pairs joined by this relay, which flips one random bit in every
 * `every`-th chunk it forwards while `noisy`, in both directions. Counts what it corrupted.
 */
export class NoisyLine {
  corrupted = 0;
  forwarded = 0;
  noisy = true;
  private ports: SerialPort[] = [];

  private n = 0;

  constructor(
    private readonly every: number,
    private readonly random: () => number = Math.random,
  ) {}

  async join(a: string, b: string): Promise<void> {
    const open = async (path: string) => {
      const p = new SerialPort({ path, baudRate: 115200, autoOpen: false });
      await new Promise<void>((res, rej) => p.open((e) => (e ? rej(e) : res())));
      p.on('error', () => undefined);
      return p;
    };
    const pa = await open(a);
    const pb = await open(b);
    const pipe = (from: SerialPort, to: SerialPort) =>
      from.on('data', (c: Buffer) => {
        const out = Buffer.from(c);
        this.forwarded++;
        if (this.noisy && ++this.n % this.every === 0) {
          const i = Math.floor(this.random() * out.length);
          out[i] = (out[i] as number) ^ (1 << Math.floor(this.random() * 8));
          this.corrupted++;
        }
        if (to.isOpen) to.write(out);
      });
    pipe(pa, pb);
    pipe(pb, pa);
    this.ports.push(pa, pb);
  }

  async close(): Promise<void> {
    for (const p of this.ports.splice(0)) if (p.isOpen) await new Promise<void>((r) => p.close(() => r()));
  }
}

/** Distinct advertisements (unknown EphIDs: the reader forwards them, the bridge journals their refusal). */
export function noiseAdvert(i: number): { id: string; rssi: number; data: Uint8Array } {
  const eph = new Uint8Array(16);
  eph[0] = 0xe0;
  eph[12] = (i >>> 24) & 255;
  eph[13] = (i >>> 16) & 255;
  eph[14] = (i >>> 8) & 255;
  eph[15] = i & 255;
  return { id: 'c1:02:03:04:05:06 random', rssi: -70, data: encodeAdvertisement(0xffff, eph) };
}
