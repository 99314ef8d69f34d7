/**
 * The bridge configuration (`badgewire bridge --config FILE`, JSON). Defaults, applied by the validator:
 *
 *   dataDir            "./badgewire-data"   (relative paths resolve against the config file's directory)
 *   keyStore.path      "<dataDir>/keys.sealed"
 *   keyStore.passphraseEnv  "BADGEWIRE_KEYSTORE_PASSPHRASE"  (ignored when keyStore.keyFile is set)
 *   tenants            ["default"];  readers[].tenant  the first tenant
 *   readers[].role     "door";  serial baudRate 115200
 *   api.listen         { host: "127.0.0.1", port: 8443 } (port 0: any free port, for tests);  api.tls  required unless host is loopback
 *   api.clientsFile    absent: the integrator API is off. Present: JSON list of API clients (iss, kid, alg,
 *                      public JWK or secretEnv, tenants, scopes), the format of host/src/api/clients-file.ts
 *   api.audience       "https://<host>:<port>"  (every token's `aud`, RFC 7519 §4.1.3)
 *   mqtt               null (off);  mqtt.topicPrefix "badgewire"; mqtts:// required unless the broker is loopback
 *   enrolment          {} (tenant -> enrolment file: the event's masterKeyId and ref -> badge serial, the format of
 *                      host/src/engine/enrol.ts); a tenant without one resolves no badges (taps are refused)
 *   journal.commitWindowMs  2
 *   backup.dir         "<dataDir>/backups";  backup.intervalMinutes 60;  retention 24 hourly / 7 daily / 4 weekly / 12 monthly
 *   log.level          "info"
 *   ble                null: no BLE or ble-scan reader, and @stoprocent/noble is never loaded. Otherwise
 *                      { adapter: { hci: 0 } | { uart: PATH, baudRate: 1000000 }, connectTimeoutMs 10000,
 *                        reconnect: { minMs 1000, maxMs 30000 } }  (exponential backoff with jitter)
 *   readers[].transport  BLE: { type: "ble", address: "c0:ff:ee:00:00:01" } or { type: "ble", name: "bw-door-1" }
 *                      (the advertised local name, found by scanning); addressType "random".
 *                      { type: "ble-scan", companyId?, watchdogMs 30000, dedupMs 2000 }: the bridge machine
 *                      itself scans for badges with its adapter (sightings only; at most one such reader)
 *   readers[].position { x, y } in metres, one venue coordinate system: relay detection compares readers that
 *                      have one (host receive times, see access/relay.ts)
 *   readers[].tapModes  which tap modes the reader accepts: "C" (challenge), "S" (counter), "SUN" (NTAG 424 DNA);
 *                      door readers default to ["C"], lead and presence readers to all the tenant supports
 *   readers[].exhibitor lead owner for a lead reader (default: the reader id)
 *   sun                {} (tenant -> { masterKeyId?, suffix, tags? }): SUN keys derived from that event master key
 *                      (default: the enrolment file's), AN10922 suffix = AID ‖ SystemIdentifier (hex), tags =
 *                      a JSON file { "<sun tag ref>": "<attendee ref>" }
 *   relay              { maxSpeedMps 7, horizonMs 30000 }
 *
 * Secrets are never inline: a passphrase, MQTT password or JWT HMAC secret is named by an environment
 * variable (`...Env`) or a file path; the validator rejects inline secret-looking fields.
 */
import type { RetentionPolicy } from '../backup/retention';

export type SerialTransport =
  | { type: 'serial'; path: string; baudRate: number }
  | { type: 'serial'; vid: string; pid: string; serialNumber?: string; baudRate: number };
export type BleTransport =
  | { type: 'ble'; address: string; addressType: 'public' | 'random' }
  | { type: 'ble'; name: string; addressType: 'public' | 'random' };
/** The bridge machine is the reader: badge advertisements from its own BLE adapter (sightings only). */
export type BleScanTransport = { type: 'ble-scan'; companyId?: number; watchdogMs: number; dedupMs: number };
export type ReaderTransport = SerialTransport | BleTransport | BleScanTransport;

export interface ReaderConfig {
  id: string;
  tenant: string;
  role: 'door' | 'lead' | 'presence';
  door?: string;
  zone?: string;
  transport: ReaderTransport;
  position?: { x: number; y: number };
  tapModes?: ('C' | 'S' | 'SUN')[];
  exhibitor?: string;
}

export type BleAdapterConfig = { hci: number } | { uart: string; baudRate: number };

export interface BleConfig {
  adapter: BleAdapterConfig;
  connectTimeoutMs: number;
  reconnect: { minMs: number; maxMs: number };
}

export interface SunConfig {
  /** Absent: the tenant enrolment file's master key. */
  masterKeyId?: string;
  /** AID ‖ SystemIdentifier, hex. */
  suffix: string;
  /** JSON file: sun tag ref -> attendee ref. */
  tags?: string;
}

export interface DoorConfig {
  id: string;
  zone: string;
}

export interface ZoneConfig {
  id: string;
  capacity?: number;
}

export interface TlsConfig {
  cert: string;
  key: string;
  ca?: string;
}

export interface BridgeConfig {
  configDir: string;
  dataDir: string;
  keyStore: { path: string; passphraseEnv: string; keyFile?: string };
  tenants: string[];
  readers: ReaderConfig[];
  /** Enrolment file per tenant (absolute paths). */
  enrolment: Record<string, string>;
  doors: DoorConfig[];
  zones: ZoneConfig[];
  api: {
    listen: { host: string; port: number };
    tls: TlsConfig | null;
    audience: string;
    clientsFile: string | null;
  };
  mqtt: {
    url: string;
    topicPrefix: string;
    clientId?: string;
    usernameEnv?: string;
    passwordEnv?: string;
    ca?: string;
  } | null;
  ble: BleConfig | null;
  sun: Record<string, SunConfig>;
  relay: { maxSpeedMps: number; horizonMs: number };
  journal: { commitWindowMs: number };
  backup: { dir: string; intervalMinutes: number; retention: RetentionPolicy };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
}

export interface ConfigIssue {
  /** JSON path of the mistake, e.g. `readers[2].transport.vid`. */
  path: string;
  message: string;
}
