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
 *
 * Secrets are never inline: a passphrase, MQTT password or JWT HMAC secret is named by an environment
 * variable (`...Env`) or a file path; the validator rejects inline secret-looking fields.
 */
import type { RetentionPolicy } from '../backup/retention';

export type SerialTransport =
  | { type: 'serial'; path: string; baudRate: number }
  | { type: 'serial'; vid: string; pid: string; serialNumber?: string; baudRate: number };
export type BleTransport = { type: 'ble'; address: string };
export type ReaderTransport = SerialTransport | BleTransport;

export interface ReaderConfig {
  id: string;
  tenant: string;
  role: 'door' | 'lead' | 'presence';
  door?: string;
  zone?: string;
  transport: ReaderTransport;
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
  journal: { commitWindowMs: number };
  backup: { dir: string; intervalMinutes: number; retention: RetentionPolicy };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
}

export interface ConfigIssue {
  /** JSON path of the mistake, e.g. `readers[2].transport.vid`. */
  path: string;
  message: string;
}
