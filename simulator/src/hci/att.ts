/**
 * A minimal ATT server holding one GATT service, the Nordic UART Service (as Espruino exposes it): MTU exchange,
 * primary service discovery, characteristic and descriptor discovery, CCCD writes, writes to the NUS write
 * characteristic and notifications on the NUS notify characteristic (Core v5.x Vol 3 Part F).
 */

export const NUS_SERVICE = '6e400001-b5a3-f393-e0a9-e50e24dcca9e';
/** The central writes here (Espruino calls it RX). */
export const NUS_WRITE = '6e400002-b5a3-f393-e0a9-e50e24dcca9e';
/** The peripheral notifies here (Espruino calls it TX). */
export const NUS_NOTIFY = '6e400003-b5a3-f393-e0a9-e50e24dcca9e';

const OP_ERROR = 0x01;
const OP_MTU_REQ = 0x02;
const OP_MTU_RESP = 0x03;
const OP_FIND_INFO_REQ = 0x04;
const OP_FIND_INFO_RESP = 0x05;
const OP_READ_BY_TYPE_REQ = 0x08;
const OP_READ_BY_TYPE_RESP = 0x09;
const OP_READ_REQ = 0x0a;
const OP_READ_RESP = 0x0b;
const OP_READ_BY_GROUP_REQ = 0x10;
const OP_READ_BY_GROUP_RESP = 0x11;
const OP_WRITE_REQ = 0x12;
const OP_WRITE_RESP = 0x13;
const OP_NOTIFY = 0x1b;
const OP_WRITE_CMD = 0x52;

const ERR_INVALID_HANDLE = 0x01;
const ERR_READ_NOT_PERMITTED = 0x02;
const ERR_WRITE_NOT_PERMITTED = 0x03;
const ERR_INVALID_PDU = 0x04;
const ERR_REQ_NOT_SUPPORTED = 0x06;
const ERR_NOT_FOUND = 0x0a;

/** 128-bit UUID string -> 16 bytes little-endian, as ATT carries them. */
export function uuid128Le(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[15 - i] = Number.parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

const SERVICE_LE = uuid128Le(NUS_SERVICE);
const WRITE_LE = uuid128Le(NUS_WRITE);
const NOTIFY_LE = uuid128Le(NUS_NOTIFY);

interface Attr {
  handle: number;
  /** 16-bit type, or 16 bytes for a 128-bit type. */
  type: number | Uint8Array;
  value: Uint8Array;
}

const WRITE_VALUE = 3;
const NOTIFY_VALUE = 5;
const CCCD = 6;
const SERVICE_END = 6;

function u16(n: number): number[] {
  return [n & 0xff, n >> 8];
}

function charDecl(props: number, valueHandle: number, uuid: Uint8Array): Uint8Array {
  return new Uint8Array([props, ...u16(valueHandle), ...uuid]);
}

export class NusAttServer {
  /** Negotiated ATT_MTU. */
  mtu = 23;
  notifying = false;
  private readonly attrs: Attr[];

  constructor(
    private readonly serverMtu: number,
    private readonly onWrite: (bytes: Uint8Array) => void,
  ) {
    this.attrs = [
      { handle: 1, type: 0x2800, value: SERVICE_LE },
      // write without response | write
      { handle: 2, type: 0x2803, value: charDecl(0x0c, WRITE_VALUE, WRITE_LE) },
      { handle: WRITE_VALUE, type: WRITE_LE, value: new Uint8Array(0) },
      // notify
      { handle: 4, type: 0x2803, value: charDecl(0x10, NOTIFY_VALUE, NOTIFY_LE) },
      { handle: NOTIFY_VALUE, type: NOTIFY_LE, value: new Uint8Array(0) },
      { handle: CCCD, type: 0x2902, value: new Uint8Array([0, 0]) },
    ];
  }

  /** Handles one request/command PDU; returns the response PDU, or null when none is due. */
  handle(pdu: Uint8Array): Uint8Array | null {
    const op = pdu[0] as number;
    const h16 = (o: number) => (pdu[o] as number) | ((pdu[o + 1] as number) << 8);
    const err = (handle: number, code: number) => new Uint8Array([OP_ERROR, op, ...u16(handle), code]);
    switch (op) {
      case OP_MTU_REQ: {
        if (pdu.length < 3) return err(0, ERR_INVALID_PDU);
        this.mtu = Math.max(23, Math.min(h16(1), this.serverMtu));
        return new Uint8Array([OP_MTU_RESP, ...u16(this.serverMtu)]);
      }
      case OP_READ_BY_GROUP_REQ: {
        const start = h16(1);
        const end = h16(3);
        if (start === 0 || start > end) return err(start, ERR_INVALID_HANDLE);
        if (pdu.length !== 7 || h16(5) !== 0x2800) return err(start, ERR_NOT_FOUND);
        const svc = this.attrs.filter((a) => a.type === 0x2800 && a.handle >= start && a.handle <= end);
        if (svc.length === 0) return err(start, ERR_NOT_FOUND);
        const s = svc[0] as Attr;
        return new Uint8Array([OP_READ_BY_GROUP_RESP, 20, ...u16(s.handle), ...u16(SERVICE_END), ...s.value]);
      }
      case OP_READ_BY_TYPE_REQ: {
        const start = h16(1);
        const end = h16(3);
        if (start === 0 || start > end) return err(start, ERR_INVALID_HANDLE);
        if (pdu.length !== 7) return err(start, ERR_NOT_FOUND);
        const type = h16(5);
        const hits = this.attrs.filter((a) => a.type === type && a.handle >= start && a.handle <= end);
        return this.list(
          OP_READ_BY_TYPE_RESP,
          hits,
          (a) => [...u16(a.handle), ...a.value],
          err(start, ERR_NOT_FOUND),
        );
      }
      case OP_FIND_INFO_REQ: {
        const start = h16(1);
        const end = h16(3);
        if (start === 0 || start > end) return err(start, ERR_INVALID_HANDLE);
        const inRange = this.attrs.filter((a) => a.handle >= start && a.handle <= end);
        if (inRange.length === 0) return err(start, ERR_NOT_FOUND);
        // One format per response: all 16-bit or all 128-bit types, from the first attribute on.
        const short = typeof (inRange[0] as Attr).type === 'number';
        const run: Attr[] = [];
        for (const a of inRange) {
          if ((typeof a.type === 'number') !== short) break;
          run.push(a);
        }
        const entry = (a: Attr) => [...u16(a.handle), ...(typeof a.type === 'number' ? u16(a.type) : a.type)];
        const per = short ? 4 : 18;
        const n = Math.max(1, Math.min(run.length, Math.floor((this.mtu - 2) / per)));
        return new Uint8Array([OP_FIND_INFO_RESP, short ? 1 : 2, ...run.slice(0, n).flatMap(entry)]);
      }
      case OP_READ_REQ: {
        const a = this.attrs.find((x) => x.handle === h16(1));
        if (!a) return err(h16(1), ERR_INVALID_HANDLE);
        if (a.handle === WRITE_VALUE || a.handle === NOTIFY_VALUE)
          return err(a.handle, ERR_READ_NOT_PERMITTED);
        return new Uint8Array([OP_READ_RESP, ...a.value.subarray(0, this.mtu - 1)]);
      }
      case OP_WRITE_REQ:
      case OP_WRITE_CMD: {
        const handle = h16(1);
        const value = pdu.slice(3);
        if (handle === WRITE_VALUE) this.onWrite(value);
        else if (handle === CCCD && value.length === 2) {
          (this.attrs[CCCD - 1] as Attr).value = value;
          this.notifying = ((value[0] as number) & 1) === 1;
        } else if (op === OP_WRITE_REQ) {
          return err(
            handle,
            this.attrs.some((a) => a.handle === handle) ? ERR_WRITE_NOT_PERMITTED : ERR_INVALID_HANDLE,
          );
        }
        return op === OP_WRITE_REQ ? new Uint8Array([OP_WRITE_RESP]) : null;
      }
      default:
        // Requests (even opcodes below 0x40) get an answer so the client never waits; commands and
        // confirmations (0x1e) need none.
        if ((op & 0x40) === 0 && op % 2 === 0) return err(0, ERR_REQ_NOT_SUPPORTED);
        return null;
    }
  }

  /** Notification PDUs carrying `bytes`, cut to the negotiated MTU. */
  notifications(bytes: Uint8Array): Uint8Array[] {
    const room = this.mtu - 3;
    const out: Uint8Array[] = [];
    for (let o = 0; o < bytes.length; o += room) {
      const part = bytes.subarray(o, o + room);
      const pdu = new Uint8Array(3 + part.length);
      pdu[0] = OP_NOTIFY;
      pdu[1] = NOTIFY_VALUE;
      pdu[2] = 0;
      pdu.set(part, 3);
      out.push(pdu);
    }
    return out;
  }

  /** A Read By Type response: entries of one length, as many as fit the MTU. */
  private list(op: number, hits: Attr[], entry: (a: Attr) => number[], none: Uint8Array): Uint8Array {
    if (hits.length === 0) return none;
    const first = entry(hits[0] as Attr);
    const len = first.length;
    const body: number[] = [];
    for (const a of hits) {
      const e = entry(a);
      if (e.length !== len || 2 + body.length + len > this.mtu) break;
      body.push(...e);
    }
    return new Uint8Array([op, len, ...body]);
  }
}
