/**
 * `SerialLink`: the Link contract over one open serialport 13 port (a reader on USB-serial, or a pty in tests).
 * One instance is one connection: once closed it stays closed, and `superviseSerial` (serial-supervisor.ts)
 * opens a fresh one after a replug.
 *
 * serialport quirks handled here (toolchain notes §3): when the device (pty master) disappears the port emits
 * `close` with a DisconnectedError and no `error`, and a write issued afterwards never calls back, so the link
 * goes dead on that event and never waits for a write callback to learn it. serialport also misses the
 * disconnect entirely for a port opened on a reused fd number after an earlier clean close (measured on
 * serialport 13.0.0 / bindings-cpp 13: no `close`, `isOpen` stays true), which is exactly the replug case, so the
 * link also watches its device path and treats its disappearance as the unplug.
 */
import { stat } from 'node:fs';
import type { Clock, Link } from '@badgewire/protocol';
import { SerialPort } from 'serialport';
import { CLOSE_IDLE, CLOSE_LOCAL, CLOSE_LOST, serialOpenError } from './errors';
import { LinkEvents } from './link-events';
import { watchWriteStall } from './write-stall';

export interface SerialLinkOptions {
  path: string;
  baudRate?: number;
  /** Bytes handed to the OS but not yet written beyond which write() answers 0 (busy). */
  highWaterMark?: number;
  /**
   * Close with CLOSE_IDLE when nothing arrives for this long. The session layer's heartbeat keeps a healthy
   * reader talking, so silence means a hung or unplugged device whose port did not report it. 0 = off.
   */
  idleTimeoutMs?: number;
  /** How often to check that the device path still exists (unplug detection serialport can miss). 0 = off. */
  presenceCheckMs?: number;
  clock?: Clock;
}

/** Real time, for callers that do not inject a clock. */
export const systemClock: Clock = {
  now: () => performance.now(),
  epoch: () => Math.floor(Date.now() / 1000),
  setTimer: (ms, cb) => setTimeout(cb, ms) as unknown as number,
  clearTimer: (id) => clearTimeout(id as unknown as NodeJS.Timeout),
};

export class SerialLink implements Link {
  readonly path: string;
  private pending = 0;
  private closed = false;
  private readonly events = new LinkEvents();
  /** The close code, reported to listeners once the port is released (notify). */
  private closeCode = -1;
  private lastRx: number;
  private idleTimer: number | undefined;
  private presenceTimer: number | undefined;
  private readonly presenceMs: number;
  private readonly highWaterMark: number;
  private readonly idleMs: number;
  private readonly clock: Clock;
  private readonly stopStallWatch: () => void;

  constructor(
    private readonly port: SerialPort,
    opts: SerialLinkOptions,
  ) {
    this.path = opts.path;
    this.highWaterMark = opts.highWaterMark ?? 16 * 1024;
    this.idleMs = opts.idleTimeoutMs ?? 0;
    this.clock = opts.clock ?? systemClock;
    this.lastRx = this.clock.now();
    port.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      this.lastRx = this.clock.now();
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
      this.events.data(bytes);
    });
    port.on('close', () => {
      this.stopStallWatch();
      this.finish(CLOSE_LOST);
    });
    port.on('error', () => {
      this.finish(CLOSE_LOST);
      this.destroyPort();
    });
    this.presenceMs = opts.presenceCheckMs ?? 500;
    this.stopStallWatch = watchWriteStall(port);
    if (this.idleMs > 0) this.armIdle(this.idleMs);
    if (this.presenceMs > 0) this.armPresence();
  }

  write(bytes: Uint8Array): number {
    if (this.closed) return -1;
    if (bytes.length === 0) return 0;
    if (this.pending >= this.highWaterMark) return 0;
    const n = bytes.length;
    this.pending += n;
    // Copy: serialport keeps the buffer until the OS write finishes, and the caller may reuse its own.
    this.port.write(Buffer.from(bytes), (err) => {
      this.pending -= n;
      if (err) this.finish(CLOSE_LOST);
    });
    return n;
  }

  onData(cb: (chunk: Uint8Array) => void): void {
    this.events.onData(cb);
  }

  onClose(cb: (code: number) => void): void {
    this.events.onClose(cb);
  }

  /**
   * Flushes what was accepted, then closes the port. The link is dead for the caller at once; onClose fires
   * once the OS has released the port (and its lock), so reopening the path from onClose succeeds.
   */
  close(): void {
    if (this.closed) return;
    this.finish(CLOSE_LOCAL, false);
    const release = () => this.destroyPort(() => this.notify());
    if (!this.port.isOpen) {
      this.notify();
      return;
    }
    // drain() waits for queued writes; if the device vanished meanwhile it never calls back, so bound it.
    const force = setTimeout(release, 2000);
    this.port.drain(() => {
      clearTimeout(force);
      release();
    });
  }

  private destroyPort(done?: () => void): void {
    if (this.port.isOpen) this.port.close(() => done?.());
    else done?.();
  }

  private finish(code: number, deliver = true): void {
    if (this.closed) return;
    this.closed = true;
    this.closeCode = code;
    if (this.idleTimer !== undefined) this.clock.clearTimer(this.idleTimer);
    if (this.presenceTimer !== undefined) this.clock.clearTimer(this.presenceTimer);
    if (deliver) this.notify();
  }

  private notify(): void {
    this.events.close(this.closeCode);
  }

  private armPresence(): void {
    this.presenceTimer = this.clock.setTimer(this.presenceMs, () => {
      this.presenceTimer = undefined;
      if (this.closed) return;
      stat(this.path, (err) => {
        if (this.closed) return;
        if (err && err.code === 'ENOENT') {
          this.finish(CLOSE_LOST);
          this.destroyPort();
        } else {
          this.armPresence();
        }
      });
    });
  }

  private armIdle(ms: number): void {
    this.idleTimer = this.clock.setTimer(ms, () => {
      this.idleTimer = undefined;
      if (this.closed) return;
      const quiet = this.clock.now() - this.lastRx;
      if (quiet >= this.idleMs) {
        this.finish(CLOSE_IDLE);
        this.destroyPort();
      } else {
        this.armIdle(this.idleMs - quiet);
      }
    });
  }
}

/** Opens `opts.path`; rejects with a TransportError (E_SERIAL_MISSING / _PERMISSION / _BUSY / _OPEN). */
export function openSerialLink(opts: SerialLinkOptions): Promise<SerialLink> {
  return new Promise((resolve, reject) => {
    let port: SerialPort;
    try {
      port = new SerialPort({
        path: opts.path,
        baudRate: opts.baudRate ?? 115200,
        autoOpen: false,
        lock: true,
      });
    } catch (e) {
      reject(serialOpenError(e, opts.path));
      return;
    }
    port.open((err) => {
      if (err) reject(serialOpenError(err, opts.path));
      else resolve(new SerialLink(port, opts));
    });
  });
}
