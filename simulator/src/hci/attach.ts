/**
 * Wires a simulated board's serial endpoint (the Espruino runtime's `Bluetooth` port) to a VirtualPeripheral's
 * NUS byte stream, so the real noble on the host reaches the board's REPL or firmware over simulated BLE.
 * Output the link cannot take yet (central not subscribed, notify queue full) waits in order and is retried.
 */
import type { ByteEndpoint, VirtualPeripheral } from './peripheral';

export interface BoardSerial {
  write(bytes: Uint8Array): void;
  onData(cb: (bytes: Uint8Array) => void): () => void;
}

export interface AttachOptions {
  /** Called after bytes are handed to the board (the simulator advances its virtual clock by 0 here). */
  pump?: () => void;
  /** Board output kept while the link is busy; beyond it the oldest is dropped (counted), like a full TX FIFO. */
  maxQueued?: number;
}

export interface Attachment {
  /** Board output dropped because the queue overflowed or nobody was connected. */
  readonly dropped: number;
  detach(): void;
}

export function attachBoardSerial(
  p: VirtualPeripheral,
  serial: BoardSerial,
  opts: AttachOptions = {},
): Attachment {
  const max = opts.maxQueued ?? 16 * 1024;
  const queue: Uint8Array[] = [];
  let queued = 0;
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let live = true;
  const ep: ByteEndpoint = p.endpoint;

  const flush = () => {
    timer = undefined;
    while (live && queue.length > 0) {
      const head = queue[0] as Uint8Array;
      const r = ep.write(head);
      if (r === head.length) {
        queue.shift();
        queued -= head.length;
      } else if (r < 0) {
        // Nobody connected: Espruino drops Bluetooth output in that state.
        dropped += queued;
        queue.length = 0;
        queued = 0;
      } else {
        timer = setTimeout(flush, 2);
        return;
      }
    }
  };

  ep.onData((bytes) => {
    if (!live) return;
    serial.write(bytes);
    opts.pump?.();
  });
  const unsubscribe = serial.onData((bytes) => {
    if (!live) return;
    queue.push(bytes.slice());
    queued += bytes.length;
    while (queued > max && queue.length > 1) {
      const old = queue.shift() as Uint8Array;
      queued -= old.length;
      dropped += old.length;
    }
    if (!timer) flush();
  });
  return {
    get dropped() {
      return dropped;
    },
    detach() {
      live = false;
      unsubscribe();
      clearTimeout(timer);
    },
  };
}
