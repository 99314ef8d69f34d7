/**
 * `NobleLink`: the Link contract over a connected peripheral's Nordic UART Service. Writes go to the NUS write
 * characteristic in chunks of at most ATT_MTU - 3 (20 bytes unless a larger MTU was negotiated), one Write
 * Request at a time so the peripheral's acknowledgements pace the sender; notifications on the NUS notify
 * characteristic are the incoming stream.
 */
import type { Link } from '@badgewire/protocol';
import type { Characteristic, Peripheral } from '@stoprocent/noble';
import { CLOSE_LOCAL, CLOSE_LOST, CLOSE_REMOTE } from './errors';
import { LinkEvents } from './link-events';

export interface NobleLinkOptions {
  /** Largest write; capped by the negotiated MTU. Espruino's NUS takes 20 bytes per write by default. */
  chunkSize?: number;
  /** Queued bytes beyond which write() answers 0 (busy). */
  highWaterMark?: number;
  /** Write Command instead of Write Request: faster, but no acknowledgement paces the sender. */
  withoutResponse?: boolean;
}

/** HCI disconnect reasons (Core v5.x Vol 1 Part F). */
const REMOTE_USER_TERMINATED = 0x13;
const LOCAL_HOST_TERMINATED = 0x16;

export class NobleLink implements Link {
  readonly address: string;
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private writing = false;
  /** close() was called: flush the queue, then disconnect. */
  private ending = false;
  private closed = false;
  private readonly events = new LinkEvents();
  private readonly chunk: number;
  private readonly hwm: number;
  private readonly noAck: boolean;
  private readonly onNotify: (data: Buffer) => void;
  private readonly onDisconnect: (reason: number | string) => void;

  constructor(
    private readonly peripheral: Peripheral,
    private readonly tx: Characteristic,
    private readonly rx: Characteristic,
    opts: NobleLinkOptions = {},
  ) {
    this.address = peripheral.address;
    const mtu = peripheral.mtu ?? 23;
    this.chunk = Math.max(1, Math.min(opts.chunkSize ?? 20, mtu - 3));
    this.hwm = opts.highWaterMark ?? 16 * 1024;
    this.noAck = opts.withoutResponse ?? false;
    this.onNotify = (data) => {
      if (this.closed || data.length === 0) return;
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length);
      this.events.data(bytes);
    };
    this.onDisconnect = (reason) => {
      this.ending = false;
      this.queue.length = 0;
      this.queued = 0;
      this.finish(
        reason === LOCAL_HOST_TERMINATED
          ? CLOSE_LOCAL
          : reason === REMOTE_USER_TERMINATED
            ? CLOSE_REMOTE
            : CLOSE_LOST,
      );
      this.detach();
    };
    rx.on('data', this.onNotify);
    peripheral.once('disconnect', this.onDisconnect);
  }

  write(bytes: Uint8Array): number {
    if (this.closed || this.ending) return -1;
    if (bytes.length === 0 || this.queued >= this.hwm) return 0;
    this.queue.push(new Uint8Array(bytes));
    this.queued += bytes.length;
    this.pump();
    return bytes.length;
  }

  onData(cb: (chunk: Uint8Array) => void): void {
    this.events.onData(cb);
  }

  onClose(cb: (code: number) => void): void {
    this.events.onClose(cb);
  }

  /** Sends what was accepted, then disconnects. The link is dead for the caller at once. */
  close(): void {
    if (this.closed) return;
    this.ending = true;
    this.finish(CLOSE_LOCAL);
    if (!this.writing && this.queued === 0) this.disconnect();
  }

  private pump(): void {
    if (this.writing) return;
    if (this.queued === 0) {
      if (this.ending) this.disconnect();
      return;
    }
    const part = this.take(Math.min(this.chunk, this.queued));
    this.writing = true;
    this.tx.write(Buffer.from(part), this.noAck, (err) => {
      this.writing = false;
      if (err) {
        this.finish(CLOSE_LOST);
        this.disconnect();
        return;
      }
      this.pump();
    });
  }

  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const head = this.queue[0] as Uint8Array;
      const k = Math.min(head.length, n - o);
      out.set(head.subarray(0, k), o);
      o += k;
      if (k === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(k);
    }
    this.queued -= n;
    return out;
  }

  /** The adapter is gone: no disconnect can be sent, so the link just dies. */
  lost(): void {
    this.ending = false;
    this.queue.length = 0;
    this.queued = 0;
    this.finish(CLOSE_LOST);
    this.detach();
  }

  private disconnect(): void {
    this.ending = false;
    if (this.peripheral.state === 'connected' || this.peripheral.state === 'connecting') {
      this.peripheral.disconnect();
    } else {
      this.detach();
    }
  }

  private detach(): void {
    this.rx.removeListener('data', this.onNotify);
    this.peripheral.removeListener('disconnect', this.onDisconnect);
  }

  private finish(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.events.close(code);
  }
}
