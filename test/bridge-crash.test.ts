/**
 * Host kill -9 under load: `badgewire bridge --config FILE` runs in a child process on the host end of a real
 * pty; the reader firmware streams sightings into it; the child is SIGKILLed mid-stream and restarted on the
 * same data dir. The reader resends whatever was not acknowledged, the journal's unique ids absorb what was
 * written but not acknowledged: every event the reader took is journalled exactly once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../host/src/config/index';
import { TenantStores } from '../host/src/journal/index';
import { KeyStore } from '../host/src/keys/index';
import {
  bundle,
  Cable,
  makeSite,
  noiseAdvert,
  PASSPHRASE,
  until,
  VirtualReader,
  virtualBadge,
  wallClock,
} from './bridge-rig';

const dir = mkdtempSync(join(tmpdir(), 'bw-crash-'));
const children = new Set<ChildProcess>();
const wall = wallClock();
let cable: Cable | null = null;
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  wall.stop();
  await cable?.unplug();
  rmSync(dir, { recursive: true, force: true });
});

const script = join(dir, 'cli.mts');
writeFileSync(
  script,
  `import { Command } from ${JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve('commander')).href)};
import { registerHostCommands } from ${JSON.stringify(join(__dirname, '../host/src/cli/index.ts'))};
const program = new Command('badgewire');
registerHostCommands(program);
await program.parseAsync(process.argv);
`,
);

/** Starts the bridge CLI; resolves once it logged 'bridge running'. */
function bridgeProcess(configFile: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', script, 'bridge', '--config', configFile],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  child.on('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const t = setTimeout(() => reject(new Error(`bridge did not start: ${err}`)), 30_000);
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('bridge running')) {
        clearTimeout(t);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`bridge exited (${code}): ${err}`)));
  });
}

describe('bridge process killed with SIGKILL under load', () => {
  it('restarts on the same data dir; every accepted event journalled exactly once', async () => {
    cable = new Cable(join(dir, 'host-tty'), join(dir, 'dev-tty'));
    await cable.plug();
    const site = makeSite(join(dir, 'site'), { hostPath: cable.host, logLevel: 'info' });
    const dbFile = join(site.dir, 'data', 'tenants', 'acme.db');
    const journalled = (): string[] => {
      if (!existsSync(dbFile)) return [];
      const db = new Database(dbFile, { readonly: true, fileMustExist: true });
      try {
        return (db.prepare("SELECT id FROM events WHERE kind = 'sighting'").pluck().all() as string[]) ?? [];
      } finally {
        db.close();
      }
    };
    let child = await bridgeProcess(site.configFile, site.env);
    const reader = new VirtualReader((await bundle('puckjs', 'reader')).code, wall.clock, {
      id: site.readerId,
      key: site.readerKey,
    });
    await reader.attach(cable.device);
    let taken = 0;
    let i = 0;
    let load = true;
    // The reader's flash outbox holds 64 events and drops the oldest beyond that (its documented trade-off,
    // counted in its health): the load pauses while 40 are outstanding, as a real venue's would not, so any
    // loss seen here is the bridge's, not the ring's.
    const pump = (async () => {
      while (load) {
        if (taken - journalled().length < 40 && reader.dev.radio.hooks?.deliver(noiseAdvert(i++))) taken++;
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    await until('events flowing', () => journalled().length >= 20, 20_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const atKill = journalled().length;
    child = await bridgeProcess(site.configFile, site.env);
    await until('events flowing again', () => journalled().length > atKill + 20, 30_000);
    load = false;
    await pump;
    await until('every accepted event journalled', () => journalled().length >= taken, 30_000);
    // A challenge-response tap after the restart: the new process issued the reader a fresh pool.
    const b0 = site.badges[0] as (typeof site.badges)[number];
    const tapRows = (): number => {
      const db = new Database(dbFile, { readonly: true, fileMustExist: true });
      try {
        return db.prepare("SELECT count(*) FROM events WHERE kind = 'decision'").pluck().get() as number;
      } finally {
        db.close();
      }
    };
    reader.chip.place(virtualBadge((await bundle('puckjs', 'badge')).code, wall.clock, b0).tag());
    await until('a decision after the restart', () => tapRows() === 1, 10_000);
    reader.chip.place(null);
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await reader.detach();

    const config = loadConfig(site.configFile);
    const stores = new TenantStores({
      dataDir: config.dataDir,
      keys: KeyStore.open(config.keyStore.path, { passphrase: PASSPHRASE }),
    });
    try {
      const rows = stores
        .get('acme')
        .journal.read(0, 100_000)
        .filter((r) => r.kind === 'sighting');
      const ids = rows.map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(rows).toHaveLength(taken);
      expect(rows.every((r) => r.data.error === 'E_BADGE_UNKNOWN')).toBe(true);
      // The reader's own sequence numbers: one contiguous run, none skipped, across the crash.
      const seqs = ids.map((id) => Number(id.split(':')[1])).sort((a, b) => a - b);
      expect(seqs.at(-1)! - seqs[0]! + 1).toBe(seqs.length);
      expect(taken).toBeGreaterThan(40);
      const tap = stores
        .get('acme')
        .journal.read(0, 100_000)
        .filter((r) => r.kind === 'tap');
      expect(tap.map((r) => [r.data.ref, r.data.mode, r.data.result])).toEqual([[b0.ref, 'C', 'ok']]);
    } finally {
      await stores.closeAll();
    }
  }, 90_000);
});
