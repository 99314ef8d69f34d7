/**
 * A virtual BLE peripheral exposing the Nordic UART Service, as an Espruino reader does. Its `endpoint` is the
 * reader's side of the byte stream (what Espruino's `Bluetooth` serial object reads and writes); the
 * VirtualController carries it to and from the real noble on the host over HCI.
 */
import type { Link } from '@badgewire/protocol';

export interface ByteEndpoint {
  /** Reader -> central (notifications). Returns bytes accepted: all, 0 when busy, < 0 when not connected. */
  write(bytes: Uint8Array): number;
  /** Central -> reader (writes to the NUS write characteristic). */
  onData(cb: (bytes: Uint8Array) => void): void;
}

/** What the controller gives a peripheral while a central is connected. */
export interface PeripheralConnection {
  notify(bytes: Uint8Array): number;
  /** The peripheral ends the connection (HCI reason code). */
  disconnect(reason: number): void;
}

export const HCI_REMOTE_USER_TERMINATED = 0x13;
export const HCI_LOCAL_HOST_TERMINATED = 0x16;
export const HCI_CONNECTION_TIMEOUT = 0x08;

export class VirtualPeripheral {
  readonly address: string;
  readonly addressType: 'public' | 'random';
  /** Server ATT_MTU offered in the MTU exchange (Espruino's default is 23; newer builds go higher). */
  readonly mtu: number;
  /** Advertised local name (Espruino's device name); unnamed peripherals are connectable by address only. */
  readonly name: string | undefined;
  readonly endpoint: ByteEndpoint;
  private conn: PeripheralConnection | undefined;
  private readonly dataCbs: ((b: Uint8Array) => void)[] = [];
  private readonly connectCbs: (() => void)[] = [];
  private readonly disconnectCbs: ((reason: number) => void)[] = [];

  constructor(opts: { address: string; addressType?: 'public' | 'random'; mtu?: number; name?: string }) {
    this.address = opts.address.toLowerCase();
    this.name = opts.name;
    this.addressType = opts.addressType ?? 'random';
    this.mtu = opts.mtu ?? 23;
    this.endpoint = {
      write: (bytes) => (this.conn ? this.conn.notify(bytes) : -1),
      onData: (cb) => {
        this.dataCbs.push(cb);
      },
    };
  }

  get connected(): boolean {
    return this.conn !== undefined;
  }

  onConnect(cb: () => void): void {
    this.connectCbs.push(cb);
  }

  onDisconnect(cb: (reason: number) => void): void {
    this.disconnectCbs.push(cb);
  }

  /** The reader drops the central (Espruino `NRF.disconnect()`). */
  disconnect(): void {
    this.conn?.disconnect(HCI_REMOTE_USER_TERMINATED);
  }

  /** @internal controller side */
  attach(conn: PeripheralConnection): void {
    this.conn = conn;
    for (const cb of this.connectCbs) cb();
  }

  /** @internal controller side */
  detach(reason: number): void {
    if (!this.conn) return;
    this.conn = undefined;
    for (const cb of this.disconnectCbs) cb(reason);
  }

  /** @internal controller side */
  deliver(bytes: Uint8Array): void {
    for (const cb of this.dataCbs) cb(bytes);
  }
}

/**
 * The peripheral's current connection as a Link (for the contract suite and simulator readers): close() is the
 * reader disconnecting; the link dies when the central or the radio ends the connection.
 */
export function peripheralLink(p: VirtualPeripheral): Link {
  if (!p.connected) throw new Error('peripheralLink: ' + p.address + ' has no connection');
  let dead = false;
  let code = -1;
  const dataCbs: ((b: Uint8Array) => void)[] = [];
  const closeCbs: ((c: number) => void)[] = [];
  const end = (c: number) => {
    if (dead) return;
    dead = true;
    code = c;
    const cbs = closeCbs.splice(0);
    setImmediate(() => {
      for (const cb of cbs) cb(c);
    });
  };
  p.endpoint.onData((b) => {
    if (!dead) for (const cb of dataCbs) cb(b);
  });
  p.onDisconnect((reason) =>
    end(reason === HCI_REMOTE_USER_TERMINATED ? 0 : reason === HCI_LOCAL_HOST_TERMINATED ? 1 : 2),
  );
  return {
    write: (bytes) => {
      if (dead) return -1;
      if (bytes.length === 0) return 0;
      return p.endpoint.write(bytes);
    },
    onData: (cb) => {
      dataCbs.push(cb);
    },
    onClose: (cb) => {
      if (dead) setImmediate(() => cb(code));
      else closeCbs.push(cb);
    },
    close: () => {
      if (dead) return;
      p.disconnect();
      end(0);
    },
  };
}
