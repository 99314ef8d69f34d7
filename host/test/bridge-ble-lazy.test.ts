/**
 * The bridge loads @stoprocent/noble only when a BLE reader is configured, and starts without any Bluetooth
 * adapter otherwise. Proven in a fresh Node process whose module resolver records every request for noble
 * (a loader hook writing to a marker file): a serial-only bridge starts and stops without one; then a bridge
 * with a BLE reader on a missing adapter (hci57) still starts, reports E_BLE_NO_ADAPTER by code and keeps
 * retrying, and only then is noble loaded.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyStore } from '../src/keys/index';

const dir = mkdtempSync(join(tmpdir(), 'bw-ble-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PASS = 'ble lazy passphrase';

function config(name: string, reader: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({
      dataDir: 'data',
      keyStore: { path: 'keys.sealed' },
      tenants: ['acme'],
      zones: [{ id: 'hall' }],
      doors: [{ id: 'main', zone: 'hall' }],
      readers: [{ id: 'c0ffee00000000aa', door: 'main', transport: reader }],
      log: { level: 'warn' },
      ...extra,
    }),
  );
  return file;
}

describe('noble is loaded only for BLE readers', () => {
  it('a serial-only bridge never resolves noble; a BLE one starts without an adapter and loads it', () => {
    KeyStore.create(join(dir, 'keys.sealed'), { passphrase: PASS });
    const serial = config('serial.json', { type: 'serial', path: join(dir, 'no-such-tty') });
    const ble = config(
      'ble.json',
      { type: 'ble', address: 'c0:ff:ee:00:00:aa' },
      { ble: { adapter: { hci: 57 }, connectTimeoutMs: 1000, reconnect: { minMs: 100, maxMs: 200 } } },
    );
    const marker = join(dir, 'noble-resolved');
    const hook = `data:text/javascript,${encodeURIComponent(`
      import { appendFileSync } from 'node:fs';
      export async function resolve(spec, ctx, next) {
        if (spec.startsWith('@stoprocent/noble')) appendFileSync(${JSON.stringify(marker)}, spec + '\\n');
        return next(spec, ctx);
      }`)}`;
    const src = pathToFileURL(join(__dirname, '..', 'src')).href;
    const script = join(dir, 'run.mts');
    writeFileSync(
      script,
      `
import { existsSync } from 'node:fs';
import { register } from 'node:module';
register(${JSON.stringify(hook)});
const { startBridge } = await import(${JSON.stringify(`${src}/bridge.ts`)});
const { loadConfig } = await import(${JSON.stringify(`${src}/config/index.ts`)});
const { createLogger } = await import(${JSON.stringify(`${src}/log/index.ts`)});
const env = { BADGEWIRE_KEYSTORE_PASSPHRASE: ${JSON.stringify(PASS)} };
const out = {};
let b = await startBridge(loadConfig(${JSON.stringify(serial)}), { env, log: createLogger({ level: 'silent' }) });
await new Promise((r) => setTimeout(r, 300));
await b.stop();
out.nobleAfterSerial = existsSync(${JSON.stringify(marker)});
const codes = [];
const log = createLogger({ level: 'warn', sink: { write: (l) => { const o = JSON.parse(l); if (o.code) codes.push(o.code); } } });
b = await startBridge(loadConfig(${JSON.stringify(ble)}), { env, log });
out.bleStarted = true;
const t0 = Date.now();
while (codes.length < 2 && Date.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 50));
await b.stop();
out.codes = codes;
out.nobleAfterBle = existsSync(${JSON.stringify(marker)});
console.log(JSON.stringify(out));
process.exit(0);
`,
    );
    const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', script], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    const last = r.stdout.trim().split('\n').at(-1) ?? '';
    expect(last, r.stderr).toMatch(/^\{/);
    const out = JSON.parse(last);
    expect(out.nobleAfterSerial).toBe(false);
    expect(out.bleStarted).toBe(true);
    // Retried with backoff: the same typed error more than once, nothing thrown out of startBridge.
    expect(out.codes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(out.codes)).toEqual(new Set(['E_BLE_NO_ADAPTER']));
    expect(out.nobleAfterBle).toBe(true);
    expect(existsSync(marker)).toBe(true);
  }, 70_000);
});
