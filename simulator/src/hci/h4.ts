/**
 * HCI over UART (H4) framing: a one-byte packet indicator, then a command, ACL data or event packet (Bluetooth
 * Core v5.x Vol 4 Part A §2, Vol 4 Part E §5.4). The parser re-assembles packets from arbitrary chunks; the
 * builders produce what a controller sends. Only what @stoprocent/noble exercises is implemented.
 */

export const H4_COMMAND = 0x01;
export const H4_ACL = 0x02;
export const H4_EVENT = 0x04;

export const EVT_DISCONN_COMPLETE = 0x05;
export const EVT_CMD_COMPLETE = 0x0e;
export const EVT_CMD_STATUS = 0x0f;
export const EVT_NUM_COMPLETED_PACKETS = 0x13;
export const EVT_LE_META = 0x3e;
export const LE_CONN_COMPLETE = 0x01;
export const LE_ADVERTISING_REPORT = 0x02;

export type H4Packet =
  | { kind: 'command'; opcode: number; params: Uint8Array }
  | { kind: 'acl'; handle: number; flags: number; data: Uint8Array };

/** Streaming H4 parser. Bytes that cannot start a packet are skipped one at a time (resync). */
export class H4Parser {
  private buf = new Uint8Array(0);
  /** Bytes dropped while resynchronising: a healthy host never causes any. */
  skipped = 0;

  push(chunk: Uint8Array, out: (p: H4Packet) => void): void {
    const merged = new Uint8Array(this.buf.length + chunk.length);
    merged.set(this.buf);
    merged.set(chunk, this.buf.length);
    let b = merged;
    for (;;) {
      if (b.length === 0) break;
      const t = b[0] as number;
      if (t === H4_COMMAND) {
        if (b.length < 4) break;
        const n = b[3] as number;
        if (b.length < 4 + n) break;
        out({
          kind: 'command',
          opcode: (b[1] as number) | ((b[2] as number) << 8),
          params: b.slice(4, 4 + n),
        });
        b = b.subarray(4 + n);
      } else if (t === H4_ACL) {
        if (b.length < 5) break;
        const n = (b[3] as number) | ((b[4] as number) << 8);
        if (b.length < 5 + n) break;
        const hf = (b[1] as number) | ((b[2] as number) << 8);
        out({ kind: 'acl', handle: hf & 0x0fff, flags: hf >> 12, data: b.slice(5, 5 + n) });
        b = b.subarray(5 + n);
      } else {
        this.skipped++;
        b = b.subarray(1);
      }
    }
    this.buf = b.slice();
  }
}

export function event(code: number, params: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(3 + params.length);
  out[0] = H4_EVENT;
  out[1] = code;
  out[2] = params.length;
  out.set(params, 3);
  return out;
}

export function commandComplete(opcode: number, status: number, ret: ArrayLike<number> = []): Uint8Array {
  return event(EVT_CMD_COMPLETE, [1, opcode & 0xff, opcode >> 8, status, ...Array.from(ret)]);
}

export function commandStatus(opcode: number, status: number): Uint8Array {
  return event(EVT_CMD_STATUS, [status, 1, opcode & 0xff, opcode >> 8]);
}

export function numCompletedPackets(handle: number, count: number): Uint8Array {
  return event(EVT_NUM_COMPLETED_PACKETS, [1, handle & 0xff, handle >> 8, count & 0xff, count >> 8]);
}

export function disconnComplete(handle: number, reason: number): Uint8Array {
  return event(EVT_DISCONN_COMPLETE, [0, handle & 0xff, handle >> 8, reason]);
}

/** "c0:ff:ee:00:00:01" -> 6 bytes little-endian, as HCI carries BD_ADDRs. */
export function addrToLe(addr: string): Uint8Array {
  const parts = addr.split(':');
  if (parts.length !== 6) throw new TypeError('bad Bluetooth address ' + addr);
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = Number.parseInt(parts[5 - i] as string, 16);
  return out;
}

export function leToAddr(b: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 5; i >= 0; i--) parts.push((b[i] as number).toString(16).padStart(2, '0'));
  return parts.join(':');
}

export interface AdvReport {
  evtType: number;
  addrType: number;
  addr: string;
  data: Uint8Array;
  rssi: number;
}

/** LE Advertising Report with one report (Vol 4 Part E §7.7.65.2). */
export function advertisingReport(r: AdvReport): Uint8Array {
  if (r.data.length > 31) throw new RangeError('legacy advertising data is at most 31 bytes');
  const p = new Uint8Array(2 + 1 + 1 + 6 + 1 + r.data.length + 1);
  p[0] = LE_ADVERTISING_REPORT;
  p[1] = 1;
  p[2] = r.evtType;
  p[3] = r.addrType;
  p.set(addrToLe(r.addr), 4);
  p[10] = r.data.length;
  p.set(r.data, 11);
  p[11 + r.data.length] = r.rssi & 0xff;
  return event(EVT_LE_META, p);
}

export interface ConnComplete {
  status: number;
  handle: number;
  peerAddrType: number;
  peerAddr: string;
  intervalUnits: number;
  latency: number;
  timeoutUnits: number;
}

/** LE Connection Complete, role central (Vol 4 Part E §7.7.65.1). */
export function leConnComplete(c: ConnComplete): Uint8Array {
  const p = new Uint8Array(19);
  p[0] = LE_CONN_COMPLETE;
  p[1] = c.status;
  p[2] = c.handle & 0xff;
  p[3] = c.handle >> 8;
  p[4] = 0; // role: central
  p[5] = c.peerAddrType;
  p.set(addrToLe(c.peerAddr), 6);
  p[12] = c.intervalUnits & 0xff;
  p[13] = c.intervalUnits >> 8;
  p[14] = c.latency & 0xff;
  p[15] = c.latency >> 8;
  p[16] = c.timeoutUnits & 0xff;
  p[17] = c.timeoutUnits >> 8;
  p[18] = 0; // central clock accuracy
  return event(EVT_LE_META, p);
}

/** One L2CAP basic frame in one ACL packet (start of an automatically flushable packet). */
export function aclL2cap(handle: number, cid: number, payload: Uint8Array): Uint8Array {
  const n = payload.length + 4;
  const out = new Uint8Array(5 + n);
  const hf = handle | 0x2000;
  out[0] = H4_ACL;
  out[1] = hf & 0xff;
  out[2] = hf >> 8;
  out[3] = n & 0xff;
  out[4] = n >> 8;
  out[5] = payload.length & 0xff;
  out[6] = payload.length >> 8;
  out[7] = cid & 0xff;
  out[8] = cid >> 8;
  out.set(payload, 9);
  return out;
}
