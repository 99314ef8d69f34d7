/**
 * `PtyLink`: the device end of a pty, a Link over a plain serialport with no reconnect and no idle logic (a
 * virtual reader's UART). The host end is `SerialLink` from @badgewire/host; keeping the two separate means the
 * pty contract test checks one implementation against another, not against itself.
 *
 * Like SerialLink it also watches its path: serialport misses the unplug of a port opened on a reused fd number.
 */
import { stat } from 'node:fs';
import { watchWriteStall } from '@badgewire/host';
import type { Link } from '@badgewire/protocol';
import { SerialPort } from 'serialport';

const LOCAL = 0;
const LOST = 2;

export class PtyLink implements Link {
  private inFlight = 0;
  private dead = false;
  private code = -1;
  private readonly dataCbs: ((chunk: Uint8Array) => void)[] = [];
  private readonly closeCbs: ((code: number) => void)[] = [];
  private readonly watch: NodeJS.Timeout;
  private readonly stopStallWatch: () => void;

  constructor(
    readonly port: SerialPort,
    readonly path: string,
    private readonly highWaterMark: number,
  ) {
    this.watch = setInterval(() => {
      stat(path, (err) => {
        if (err && err.code === 'ENOENT' && !this.dead) {
          this.end(LOST);
          if (port.isOpen) port.close(() => {});
        }
      });
    }, 500);
    this.stopStallWatch = watchWriteStall(port);
    port.on('data', (b: Buffer) => {
      if (this.dead) return;
      const chunk = new Uint8Array(b.buffer, b.byteOffset, b.length);
      for (const cb of this.dataCbs) cb(chunk);
    });
    port.on('close', () => {
      this.stopStallWatch();
      this.end(LOST);
    });
    port.on('error', () => this.end(LOST));
  }

  write(bytes: Uint8Array): number {
    if (this.dead) return -1;
    if (bytes.length === 0 || this.inFlight >= this.highWaterMark) return 0;
    const n = bytes.length;
    this.inFlight += n;
    this.port.write(Buffer.from(bytes), () => {
      this.inFlight -= n;
    });
    return n;
  }

  onData(cb: (chunk: Uint8Array) => void): void {
    this.dataCbs.push(cb);
  }

  onClose(cb: (code: number) => void): void {
    if (this.dead) setImmediate(() => cb(this.code));
    else this.closeCbs.push(cb);
  }

  close(): void {
    if (this.dead) return;
    this.end(LOCAL);
    const port = this.port;
    const shut = () => {
      if (port.isOpen) port.close(() => {});
    };
    const t = setTimeout(shut, 2000);
    port.drain(() => {
      clearTimeout(t);
      shut();
    });
  }

  private end(code: number): void {
    if (this.dead) return;
    this.dead = true;
    this.code = code;
    clearInterval(this.watch);
    const cbs = this.closeCbs.splice(0);
    setImmediate(() => {
      for (const cb of cbs) cb(code);
    });
  }
}

export function openPtyLink(path: string, highWaterMark = 16 * 1024): Promise<PtyLink> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    port.open((err) => (err ? reject(err) : resolve(new PtyLink(port, path, highWaterMark))));
  });
}
