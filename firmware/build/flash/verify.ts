/**
 * `verify`: reads back what a device holds and checks it against the bundle and the host key store: the boot
 * code's CRC, the identity record, and the fingerprint of the key on the device against the reader's live key
 * in the store. The key is read into memory to fingerprint it and is never printed or returned.
 */
import { crc32 } from 'node:zlib';
import type { Link } from '@badgewire/protocol';
import { ConsoleSession } from './console-session';
import type { ProvisionDeps, SessionOpts } from './provision';

export interface VerifyOptions extends SessionOpts {
  /** The bundle the device should run; its CRC is compared with the stored boot file. */
  bundle?: Uint8Array;
  file?: string;
}

export interface VerifyReport {
  ok: boolean;
  firmwareCrc: number | null;
  firmwareOk: boolean | null;
  role: 'reader' | 'badge' | 'unprovisioned';
  readerId?: string;
  door?: number;
  fingerprint?: string;
  keyId?: string;
  keyState?: string;
  problems: string[];
}

const S = 'require("Storage")';

export async function verifyDevice(
  link: Link,
  deps: ProvisionDeps,
  o: VerifyOptions = {},
): Promise<VerifyReport> {
  const T = o.timeoutMs ?? 10_000;
  const file = o.file ?? '.bootcde';
  const s = new ConsoleSession(link, { transport: o.transport });
  await s.sync(T);
  const problems: string[] = [];
  const raw = await s.eval(
    `(function(f){return f===undefined?"none":E.CRC32(f)})(${S}.read(${JSON.stringify(file)}))`,
    T,
    'firmware CRC',
  );
  const firmwareCrc = raw === 'none' ? null : Number(raw) >>> 0;
  let firmwareOk: boolean | null = null;
  if (firmwareCrc === null) problems.push(`no ${file} on the device: flash it`);
  if (o.bundle) {
    firmwareOk = firmwareCrc === crc32(o.bundle) >>> 0;
    if (firmwareCrc !== null && !firmwareOk) problems.push(`${file} is not this bundle (CRC ${firmwareCrc})`);
  }
  const b64 = (f: string) =>
    s
      .eval(`(function(d){return d===undefined?"":btoa(d)})(${S}.read(${JSON.stringify(f)}))`, T, 'read ' + f)
      .then((x) => Buffer.from(x, 'base64'));
  const report: VerifyReport = { ok: false, firmwareCrc, firmwareOk, role: 'unprovisioned', problems };

  const cfgBytes = await b64('bw.cfg');
  if (cfgBytes.length > 0) {
    report.role = 'reader';
    let cfg: { id?: unknown; key?: unknown; door?: unknown } = {};
    try {
      cfg = JSON.parse(cfgBytes.toString('latin1'));
    } catch {
      problems.push('bw.cfg is not valid JSON: provision again');
    }
    cfgBytes.fill(0);
    const id = typeof cfg.id === 'string' ? cfg.id : '';
    report.readerId = id;
    if (typeof cfg.door === 'number') report.door = cfg.door;
    if (typeof cfg.key !== 'string' || !/^[0-9a-f]{64}$/i.test(cfg.key)) {
      problems.push('bw.cfg holds no usable link key');
    } else {
      const key = new Uint8Array(Buffer.from(cfg.key, 'hex'));
      report.fingerprint = deps.fingerprint(key);
      key.fill(0);
      const live = deps.keys.readerKeys(id);
      const match = live.find((k) => deps.fingerprint(k.key) === report.fingerprint);
      if (match) {
        report.keyId = match.id;
        report.keyState = match.state;
      } else if (live.length === 0) problems.push(`the key store has no live key for reader ${id}`);
      else problems.push(`the link key on the device is not reader ${id}'s live key in this key store`);
    }
  } else {
    const badge = await b64('bw.badge');
    if (badge.length > 0) {
      report.role = 'badge';
      if (badge.length !== 34) problems.push('bw.badge has the wrong size: provision again');
      else report.fingerprint = deps.fingerprint(new Uint8Array(badge.subarray(0, 16)));
      badge.fill(0);
    } else problems.push('the device is not provisioned');
  }
  report.ok = problems.length === 0;
  return report;
}
