/**
 * Serial transport faults on real ptys (socat) with the real serialport package: unplug/replug with
 * reconnection, idle (heartbeat silence) detection, busy and permission errors from real failures.
 */
import { spawn } from 'node:child_process';
import { chmodSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  CLOSE_IDLE,
  CLOSE_LOST,
  DIALOUT_HINT,
  openSerialLink,
  type SerialLink,
  serialOpenError,
  superviseSerial,
} from '@badgewire/host';
import { openPtyLink, openPtyPair, openTempPtyPair, type PtyLink, ptyDir } from '@badgewire/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, pattern, writeAll } from './contracts/link.contract';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, rej) => setTimeout(() => rej(new Error('timed out: ' + what)), ms)),
  ]);
}

describe('typed open errors from real failures on ptys', () => {
  it('port held by another program: E_SERIAL_BUSY', async () => {
    const pty = await openTempPtyPair();
    cleanups.push(() => pty.dispose());
    const first = await openSerialLink({ path: pty.a });
    cleanups.push(() => first.close());
    const err = await openSerialLink({ path: pty.a }).catch((e) => e);
    expect(err.code).toBe('E_SERIAL_BUSY');
  });

  it('no permission (chmod 000 on the pty): E_SERIAL_PERMISSION with the dialout fix', async () => {
    const pty = await openTempPtyPair();
    cleanups.push(() => pty.dispose());
    chmodSync(realpathSync(pty.a), 0o000);
    let message: string;
    if (process.getuid?.() === 0) {
      // root ignores file modes, so the open runs in a child as `nobody` with the same real serialport.
      const sp = createRequire(import.meta.url).resolve('serialport');
      const script = `const { SerialPort } = require(${JSON.stringify(sp)});
        new SerialPort({ path: ${JSON.stringify(pty.a)}, baudRate: 115200 }, (e) => { console.log(e ? e.message : 'opened'); });`;
      message = await new Promise<string>((resolve, reject) => {
        const c = spawn(process.execPath, ['-e', script], {
          uid: 65534,
          gid: 65534,
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        c.on('error', reject);
        c.on('exit', () => resolve(out.trim()));
      });
    } else {
      message = await openSerialLink({ path: pty.a }).then(
        () => 'opened',
        (e: Error) => e.message,
      );
    }
    expect(message).not.toBe('opened');
    const err = serialOpenError(new Error(message), pty.a);
    expect(err.code).toBe('E_SERIAL_PERMISSION');
    expect(err.transient).toBe(false);
    expect(err.message).toContain(DIALOUT_HINT);
    expect(DIALOUT_HINT).toContain('sudo usermod -aG dialout $USER');
  });
});

describe('SerialLink on a pty', () => {
  it('closes with CLOSE_IDLE when the heartbeat stops, not while it runs', async () => {
    const pty = await openTempPtyPair();
    cleanups.push(() => pty.dispose());
    const host = await openSerialLink({ path: pty.a, idleTimeoutMs: 400 });
    const dev = await openPtyLink(pty.b);
    cleanups.push(() => dev.close());
    const start = Date.now();
    let closedAt = 0;
    const closed = new Promise<number>((r) =>
      host.onClose((c) => {
        closedAt = Date.now();
        r(c);
      }),
    );
    const beat = setInterval(() => dev.write(new Uint8Array([0x55])), 100);
    await new Promise((r) => setTimeout(r, 1000));
    expect(closedAt).toBe(0); // 1 s of heartbeats at 100 ms: never idle
    clearInterval(beat);
    expect(await within(closed, 10_000, 'idle close')).toBe(CLOSE_IDLE);
    expect(closedAt - start).toBeGreaterThanOrEqual(1000);
    expect(host.write(new Uint8Array([1]))).toBeLessThan(0);
  });

  it('unplug: the link closes with CLOSE_LOST and later writes fail at once instead of hanging', async () => {
    const pty = await openTempPtyPair();
    cleanups.push(() => pty.dispose());
    const host = await openSerialLink({ path: pty.a });
    const closed = new Promise<number>((r) => host.onClose(r));
    await pty.kill();
    expect(await within(closed, 10_000, 'close after unplug')).toBe(CLOSE_LOST);
    expect(host.write(new Uint8Array([1, 2, 3]))).toBeLessThan(0);
  });
});

describe('superviseSerial: unplug and replug', () => {
  it('reconnects after socat dies and comes back on the same path; no byte lost on the new link', async () => {
    const dir = ptyDir();
    const A = join(dir, 'host');
    const B = join(dir, 'dev');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    let pty = await openPtyPair(A, B);
    cleanups.push(() => pty.kill());

    const links: SerialLink[] = [];
    let notify: (() => void) | undefined;
    const errors: string[] = [];
    const sup = superviseSerial({
      path: A,
      backoff: { initialMs: 50, maxMs: 400 },
      onLink: (l) => {
        links.push(l);
        notify?.();
      },
      onError: (e) => errors.push(e.code),
    });
    cleanups.push(() => sup.stop());
    const nthLink = (n: number) =>
      within(
        new Promise<SerialLink>((resolve) => {
          const check = () => {
            const l = links[n - 1];
            if (l) resolve(l);
          };
          notify = check;
          check();
        }),
        15_000,
        'link #' + n,
      );

    const exchange = async (host: SerialLink, dev: PtyLink, seed: number) => {
      const toDev = collect(dev);
      const toHost = collect(host);
      const up = pattern(3000, seed);
      const down = pattern(3000, seed + 1);
      await writeAll(host, up);
      await writeAll(dev, down);
      expect(Buffer.from(await toDev.waitFor(up.length, 10_000))).toEqual(Buffer.from(up));
      expect(Buffer.from(await toHost.waitFor(down.length, 10_000))).toEqual(Buffer.from(down));
    };

    const l1 = await nthLink(1);
    const d1 = await openPtyLink(B);
    await exchange(l1, d1, 1);

    const lost = new Promise<number>((r) => l1.onClose(r));
    await pty.kill(); // unplug
    expect(await within(lost, 10_000, 'unplug seen')).toBe(CLOSE_LOST);
    expect(l1.write(new Uint8Array([9]))).toBeLessThan(0);

    pty = await openPtyPair(A, B); // replug on the same path
    const l2 = await nthLink(2);
    expect(l2).not.toBe(l1);
    const d2 = await openPtyLink(B);
    cleanups.push(() => d2.close());
    await exchange(l2, d2, 7);
    expect(sup.attempts).toBeGreaterThanOrEqual(2);
    // While unplugged the supervisor reported the missing port once, not once per retry.
    expect(errors.filter((c) => c === 'E_SERIAL_MISSING').length).toBeLessThanOrEqual(1);
  });
});

describe('superviseSerial: discovery by USB id', () => {
  it('finds the reader when it appears in the port list (hot-plug by list polling)', async () => {
    const pty = await openTempPtyPair();
    cleanups.push(() => pty.dispose());
    // SerialPort.list() never shows ptys, so the list is injected: empty at first, then the "plugged" reader.
    let plugged = false;
    let polls = 0;
    const list = async () => {
      polls++;
      return plugged ? [{ path: pty.a, vendorId: '10C4', productId: 'EA60', serialNumber: 'R1' }] : [];
    };
    let got: ((l: SerialLink) => void) | undefined;
    const linked = new Promise<SerialLink>((r) => (got = r));
    const errors: string[] = [];
    const sup = superviseSerial({
      match: [{ vendorId: '10c4', productId: 'ea60', serialNumber: 'R1' }],
      list,
      backoff: { initialMs: 20, maxMs: 100 },
      onLink: (l) => got?.(l),
      onError: (e) => errors.push(e.code),
    });
    cleanups.push(() => sup.stop());
    while (polls < 3) await new Promise((r) => setTimeout(r, 20));
    expect(errors).toEqual(['E_SERIAL_MISSING']);
    plugged = true;
    const link = await within(linked, 10_000, 'link after plug');
    expect(link.path).toBe(pty.a);
    const dev = await openPtyLink(pty.b);
    cleanups.push(() => dev.close());
    const toDev = collect(dev);
    await writeAll(link, pattern(500, 4));
    expect(Buffer.from(await toDev.waitFor(500, 10_000))).toEqual(Buffer.from(pattern(500, 4)));
  });
});
