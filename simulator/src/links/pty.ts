/**
 * Pseudo-terminal pairs from `socat`, for tests and the simulator: two stable symlink paths joined back to back,
 * like a USB-serial cable. Killing socat makes both pty masters vanish, which serialport reports exactly as a
 * USB unplug; a new pair on the same paths is a replug.
 *
 * Every socat spawned here is killed on `kill()`, and with SIGKILL on process exit, so a crashed test leaves no
 * orphan holding the paths.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  /** Symlink to one pty slave. */
  readonly a: string;
  /** Symlink to the other pty slave. */
  readonly b: string;
  readonly pid: number;
  /** Resolves when socat has exited, for whatever reason. */
  readonly exited: Promise<void>;
  /** Unplug: kills socat and waits for it to exit. Idempotent. */
  kill(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a SIGKILL per child is all that fits.
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/** A fresh directory for pty links; remove it with `rmSync(dir, { recursive: true })` when done. */
export function ptyDir(prefix = 'bw-pty-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Starts `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B` and resolves once socat reports its
 * transfer loop (both links exist by then). Rejects if socat fails or is not installed.
 */
export function openPtyPair(a: string, b: string, timeoutMs = 10_000): Promise<PtyPair> {
  installExitHook();
  return new Promise((resolve, reject) => {
    const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    live.add(child);
    const exited = new Promise<void>((r) => {
      child.once('exit', () => {
        live.delete(child);
        r();
      });
    });
    let log = '';
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error('socat pty pair ' + a + ' <-> ' + b + ': ' + why + (log ? '\n' + log.trim() : '')));
    };
    const timer = setTimeout(() => fail('not ready after ' + timeoutMs + ' ms'), timeoutMs);
    child.once('error', (e) =>
      fail(
        (e as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'socat is not installed (apt-get install socat)'
          : e.message,
      ),
    );
    child.once('exit', (code) => fail('socat exited with ' + code));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      if (settled) return;
      log += s;
      if (!log.includes('starting data transfer loop')) return;
      settled = true;
      clearTimeout(timer);
      const pair: PtyPair = {
        a,
        b,
        pid: child.pid ?? -1,
        exited,
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      };
      resolve(pair);
    });
  });
}

/** Convenience for tests: a pair in a fresh directory, whose dispose() kills socat and removes the directory. */
export async function openTempPtyPair(): Promise<PtyPair & { dir: string; dispose(): Promise<void> }> {
  const dir = ptyDir();
  try {
    const pair = await openPtyPair(join(dir, 'a'), join(dir, 'b'));
    return {
      ...pair,
      dir,
      dispose: async () => {
        await pair.kill();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
