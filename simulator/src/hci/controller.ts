/**
 * A virtual Bluetooth LE controller speaking HCI over UART (H4) on one end of a pty, so the real
 * @stoprocent/noble (hciDriver 'uart') runs against it with no radio. It answers noble's init sequence as the
 * toolchain notes §2 list it (Command Complete for every command, HCI version 9, no LE features so noble stays
 * on legacy scanning, LE buffer 251 x 8, Number Of Completed Packets for every ACL packet), reports injected
 * advertisements while scanning, and connects to registered VirtualPeripherals, each served by a NUS ATT server.
 */
import { watchWriteStall } from '@badgewire/host';
import { SerialPort } from 'serialport';
import { NusAttServer } from './att';
import {
  aclL2cap,
  addrToLe,
  advertisingReport,
  commandComplete,
  commandStatus,
  disconnComplete,
  type H4Packet,
  H4Parser,
  leConnComplete,
  numCompletedPackets,
} from './h4';
import { HCI_CONNECTION_TIMEOUT, HCI_LOCAL_HOST_TERMINATED, type VirtualPeripheral } from './peripheral';

const OP_DISCONNECT = 0x0406;
const OP_RESET = 0x0c03;
const OP_READ_LE_HOST_SUPPORTED = 0x0c6c;
const OP_READ_LOCAL_VERSION = 0x1001;
const OP_READ_SUPPORTED_COMMANDS = 0x1002;
const OP_READ_BUFFER_SIZE = 0x1005;
const OP_READ_BD_ADDR = 0x1009;
const OP_READ_RSSI = 0x1405;
const OP_LE_READ_BUFFER_SIZE = 0x2002;
const OP_LE_READ_FEATURES = 0x2003;
const OP_LE_SET_SCAN_ENABLE = 0x200c;
const OP_LE_CREATE_CONN = 0x200d;
const OP_LE_CREATE_CONN_CANCEL = 0x200e;
const OP_LE_CONN_UPDATE = 0x2013;
const ATT_CID = 0x0004;
const UNKNOWN_CONNECTION = 0x02;

/** Commands answered with Command Status (their result comes later as an event). */
const STATUS_COMMANDS = new Set([OP_DISCONNECT, OP_LE_CREATE_CONN, OP_LE_CONN_UPDATE, 0x2016, 0x2019]);

export interface Advertisement {
  addr: string;
  addrType: 'public' | 'random';
  /** Raw AD structures (<= 31 bytes), e.g. a manufacturer-specific field with a badge frame. */
  data: Uint8Array;
  rssi: number;
  /** 0x03 ADV_NONCONN_IND (a badge) unless given. */
  evtType?: number;
}

interface Connection {
  handle: number;
  peripheral: VirtualPeripheral;
  att: NusAttServer;
  /** L2CAP reassembly of fragmented ACL data from the host. */
  rx: Uint8Array | undefined;
  rxWant: number;
  /** Bytes handed to the pty but not yet written (for notify backpressure). */
  pending: number;
}

export interface ControllerOptions {
  /** The controller's own public address (Read BD_ADDR). */
  address?: string;
  /** Notification bytes in flight to the host beyond which the peripheral's write answers 0 (busy). */
  highWaterMark?: number;
}

export class VirtualController {
  /** Every opcode received, in order (tests assert on the init sequence). */
  readonly commands: number[] = [];
  scanning = false;
  /** A stuck scan: the controller says scanning but reports nothing until scanning is re-enabled. */
  stuck = false;
  private filterDuplicates = false;
  private readonly seen = new Set<string>();
  private readonly parser = new H4Parser();
  private readonly peripherals = new Map<string, VirtualPeripheral>();
  private readonly conns = new Map<number, Connection>();
  private pendingCreate: { addr: string; addrType: number } | undefined;
  private nextHandle = 0x0040;
  private readonly address: string;
  private readonly hwm: number;
  private scanWaiters: (() => void)[] = [];
  private readonly stopStallWatch: () => void;
  private beacon: NodeJS.Timeout | undefined;

  private constructor(
    private readonly port: SerialPort,
    opts: ControllerOptions,
  ) {
    this.address = opts.address ?? '00:1b:dc:0b:ad:9e';
    this.hwm = opts.highWaterMark ?? 16 * 1024;
    port.on('data', (chunk: Buffer) =>
      this.parser.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length), (p) => this.onPacket(p)),
    );
    port.on('close', () => {
      this.setBeacon(false);
      this.stopStallWatch();
      this.dropAll(HCI_CONNECTION_TIMEOUT, false);
    });
    // Bursts of notifications fill the pty; without this a serialport poller bug can stall them for good.
    this.stopStallWatch = watchWriteStall(port);
  }

  /** Opens the controller's end of a pty pair (the host's noble opens the other end). */
  static open(path: string, opts: ControllerOptions = {}): Promise<VirtualController> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate: 1_000_000, autoOpen: false });
      port.open((err) => (err ? reject(err) : resolve(new VirtualController(port, opts))));
    });
  }

  addPeripheral(p: VirtualPeripheral): void {
    this.peripherals.set(p.address, p);
  }

  /** Reports an advertisement if the host is scanning; returns whether it was reported. */
  advertise(a: Advertisement): boolean {
    if (!this.scanning || this.stuck) return false;
    const key = a.addr + '/' + Buffer.from(a.data).toString('hex');
    if (this.filterDuplicates) {
      if (this.seen.has(key)) return false;
      this.seen.add(key);
    }
    this.send(
      advertisingReport({
        evtType: a.evtType ?? 0x03,
        addrType: a.addrType === 'random' ? 1 : 0,
        addr: a.addr,
        data: a.data,
        rssi: a.rssi,
      }),
    );
    return true;
  }

  /**
   * While the host scans, every named peripheral without a connection advertises (ADV_IND: flags + complete
   * local name) every 100 ms, as a reader does; noble reports a connectable device from its second report.
   */
  private setBeacon(on: boolean): void {
    clearInterval(this.beacon);
    this.beacon = undefined;
    if (!on) return;
    this.beacon = setInterval(() => {
      for (const p of this.peripherals.values()) {
        if (!p.name || p.connected) continue;
        const name = Buffer.from(p.name, 'latin1');
        const data = Uint8Array.from([0x02, 0x01, 0x06, name.length + 1, 0x09, ...name]);
        this.advertise({ addr: p.address, addrType: p.addressType, data, rssi: -50, evtType: 0x00 });
      }
    }, 100);
    this.beacon.unref();
  }

  /** Resolves when the host has scanning enabled (immediately if it has). */
  whenScanning(): Promise<void> {
    if (this.scanning) return Promise.resolve();
    return new Promise((r) => this.scanWaiters.push(r));
  }

  /** Radio loss: every connection ends with Connection Timeout on both sides. */
  dropAll(reason = HCI_CONNECTION_TIMEOUT, tellHost = true): void {
    for (const c of [...this.conns.values()]) this.endConnection(c, reason, tellHost);
  }

  /** Power-off / unplug of the controller: the pty end closes. */
  close(): Promise<void> {
    this.setBeacon(false);
    this.dropAll(HCI_CONNECTION_TIMEOUT, false);
    this.stopStallWatch();
    return new Promise((r) => (this.port.isOpen ? this.port.close(() => r()) : r()));
  }

  private send(bytes: Uint8Array, done?: () => void): void {
    if (!this.port.isOpen) return;
    this.port.write(Buffer.from(bytes), done);
  }

  private onPacket(p: H4Packet): void {
    if (p.kind === 'command') this.onCommand(p.opcode, p.params);
    else this.onAcl(p.handle, p.flags, p.data);
  }

  private onCommand(op: number, params: Uint8Array): void {
    this.commands.push(op);
    if (STATUS_COMMANDS.has(op)) {
      this.send(commandStatus(op, 0));
      if (op === OP_LE_CREATE_CONN) this.createConnection(params);
      else if (op === OP_DISCONNECT) {
        const c = this.conns.get((params[0] as number) | ((params[1] as number) << 8));
        if (c) this.endConnection(c, HCI_LOCAL_HOST_TERMINATED, true);
      }
      return;
    }
    let ret: ArrayLike<number> = [];
    switch (op) {
      case OP_RESET:
        this.scanning = false;
        this.setBeacon(false);
        this.stuck = false;
        this.pendingCreate = undefined;
        this.dropAll(HCI_CONNECTION_TIMEOUT, false);
        break;
      case OP_READ_LOCAL_VERSION:
        // HCI 5.0 (0x09), revision 1, LMP 5.0, manufacturer 0x05f1 (Linux Foundation), subversion 1.
        ret = [0x09, 0x01, 0x00, 0x09, 0xf1, 0x05, 0x01, 0x00];
        break;
      case OP_READ_BD_ADDR:
        ret = addrToLe(this.address);
        break;
      case OP_READ_SUPPORTED_COMMANDS:
        ret = new Uint8Array(64);
        break;
      case OP_READ_BUFFER_SIZE:
        ret = [0xfb, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00];
        break;
      case OP_LE_READ_FEATURES:
        ret = new Uint8Array(8);
        break;
      case OP_LE_READ_BUFFER_SIZE:
        ret = [0xfb, 0x00, 0x08];
        break;
      case OP_READ_LE_HOST_SUPPORTED:
        ret = [0x01, 0x00];
        break;
      case OP_LE_SET_SCAN_ENABLE:
        this.scanning = params[0] === 1;
        this.filterDuplicates = params[1] === 1;
        this.seen.clear();
        // Re-enabling is what un-sticks a stuck scan on real controllers too.
        if (this.scanning) this.stuck = false;
        if (this.scanning) for (const w of this.scanWaiters.splice(0)) w();
        this.setBeacon(this.scanning);
        break;
      case OP_LE_CREATE_CONN_CANCEL:
        this.send(commandComplete(op, 0));
        if (this.pendingCreate) {
          const pc = this.pendingCreate;
          this.pendingCreate = undefined;
          this.send(
            leConnComplete({
              status: UNKNOWN_CONNECTION,
              handle: 0,
              peerAddrType: pc.addrType,
              peerAddr: pc.addr,
              intervalUnits: 0,
              latency: 0,
              timeoutUnits: 0,
            }),
          );
        }
        return;
      case OP_READ_RSSI:
        ret = [params[0] ?? 0, params[1] ?? 0, 0xc4];
        break;
      default:
        break;
    }
    this.send(commandComplete(op, 0, ret));
  }

  private createConnection(params: Uint8Array): void {
    const addrType = params[5] as number;
    const addr = Array.from(params.subarray(6, 12))
      .reverse()
      .map((b) => b.toString(16).padStart(2, '0'))
      .join(':');
    const p = this.peripherals.get(addr);
    if (!p || p.connected) {
      // Like a real controller: keep initiating until the host cancels.
      this.pendingCreate = { addr, addrType };
      return;
    }
    const handle = this.nextHandle++;
    const c: Connection = {
      handle,
      peripheral: p,
      att: new NusAttServer(p.mtu, (bytes) => p.deliver(bytes)),
      rx: undefined,
      rxWant: 0,
      pending: 0,
    };
    this.conns.set(handle, c);
    this.send(
      leConnComplete({
        status: 0,
        handle,
        peerAddrType: addrType,
        peerAddr: addr,
        intervalUnits: (params[15] as number) | ((params[16] as number) << 8),
        latency: (params[17] as number) | ((params[18] as number) << 8),
        timeoutUnits: (params[19] as number) | ((params[20] as number) << 8),
      }),
    );
    p.attach({
      notify: (bytes) => this.notify(c, bytes),
      disconnect: (reason) => this.endConnection(c, reason, true),
    });
  }

  private notify(c: Connection, bytes: Uint8Array): number {
    if (!this.conns.has(c.handle)) return -1;
    if (bytes.length === 0 || c.pending >= this.hwm) return 0;
    // Espruino only sends once the central subscribed; before that the bytes would be dropped on air.
    if (!c.att.notifying) return 0;
    for (const pdu of c.att.notifications(bytes)) {
      const n = pdu.length - 3;
      c.pending += n;
      this.send(aclL2cap(c.handle, ATT_CID, pdu), () => {
        c.pending -= n;
      });
    }
    return bytes.length;
  }

  private endConnection(c: Connection, reason: number, tellHost: boolean): void {
    if (!this.conns.delete(c.handle)) return;
    if (tellHost) this.send(disconnComplete(c.handle, reason));
    c.peripheral.detach(reason);
  }

  private onAcl(handle: number, flags: number, data: Uint8Array): void {
    // Flow control: the host may have at most 8 packets outstanding (LE Read Buffer Size); free each one.
    this.send(numCompletedPackets(handle, 1));
    const c = this.conns.get(handle);
    if (!c) return;
    const pb = flags & 0x3;
    if (pb !== 0x1) {
      if (data.length < 4) return;
      c.rxWant = ((data[0] as number) | ((data[1] as number) << 8)) + 4;
      c.rx = data;
    } else if (c.rx) {
      const merged = new Uint8Array(c.rx.length + data.length);
      merged.set(c.rx);
      merged.set(data, c.rx.length);
      c.rx = merged;
    } else {
      return;
    }
    if (c.rx.length < c.rxWant) return;
    const frame = c.rx;
    c.rx = undefined;
    const cid = (frame[2] as number) | ((frame[3] as number) << 8);
    if (cid !== ATT_CID) return;
    const resp = c.att.handle(frame.subarray(4, c.rxWant));
    if (resp) this.send(aclL2cap(c.handle, ATT_CID, resp));
  }
}
