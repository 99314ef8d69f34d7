/**
 * `monitor`: a live view of a board. While the board has a console (not yet provisioned, or booted with BTN1
 * held), it polls the reader's health (free RAM and Storage, provisioning, uptime) and shows the console's
 * own lines. Once a reader runs, the wire carries BW-SC instead, and each frame is shown by its clear header
 * only (packet type, direction, counter, length): records stay sealed. Long hex or base64 runs in console lines
 * are masked, so a key a script prints never reaches the terminal or a log file.
 */
import { Deframer, DIR_H2R, DIR_R2H, type Link, parsePacket } from '@badgewire/protocol';
import { ConsoleSession } from './console-session';

export interface MonitorOptions {
  transport?: 'serial' | 'ble';
  intervalMs?: number;
  /** Stop after this long (default: until the link closes). */
  durationMs?: number;
  out(line: string): void;
}

export interface MonitorResult {
  mode: 'console' | 'link';
  health: number;
  frames: number;
  lines: number;
}

const PACKETS: Record<number, string> = { 1: 'HELLO', 2: 'AUTH', 3: 'CONFIRM', 4: 'RECORD', 5: 'ALERT' };

/** Masks anything that looks like key material: 24+ hex digits or 24+ base64 characters in one run. */
export function maskSecrets(line: string): string {
  return line.replace(/[0-9a-fA-F]{24,}/g, '<hex>').replace(/[A-Za-z0-9+/]{24,}={0,2}/g, '<b64>');
}

export function describeFrame(p: Uint8Array): string {
  for (const dir of [DIR_R2H, DIR_H2R]) {
    const r = parsePacket(p, dir);
    if (r.ok)
      return `link ${dir === DIR_R2H ? 'reader->host' : 'host->reader'} ${PACKETS[r.value.type] ?? 'type ' + r.value.type} ctr ${r.value.ctr} ${p.length} B`;
  }
  return `link frame ${p.length} B (not a BW-SC packet)`;
}

const HEALTH =
  '(function(m,s,c){return JSON.stringify({free:m.free,total:m.total,storage:s.getFree(),' +
  'clock:Math.round(getTime()),reader:c?c.id:null,door:c?c.door:null,badge:s.read("bw.badge")!==undefined})})' +
  '(process.memory(),require("Storage"),require("Storage").readJSON("bw.cfg",1))';

export async function monitorDevice(link: Link, o: MonitorOptions): Promise<MonitorResult> {
  const res: MonitorResult = { mode: 'link', health: 0, frames: 0, lines: 0 };
  let closed = false;
  let partial = '';
  const deframer = new Deframer(
    (p) => {
      res.frames++;
      o.out(describeFrame(p));
    },
    () => {},
  );
  link.onData((chunk) => {
    if (res.mode === 'link') deframer.push(chunk);
    else {
      partial += Buffer.from(chunk).toString('latin1');
      const lines = partial.split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const l of lines) {
        // Our own polls and the prompt are not the board's output.
        if (!l || l.includes('@@') || /^>\s*$/.test(l)) continue;
        res.lines++;
        o.out('console ' + maskSecrets(l.replace(/^>/, '')));
      }
    }
  });
  link.onClose(() => {
    closed = true;
  });
  const s = new ConsoleSession(link, { transport: o.transport });
  res.mode = 'console';
  try {
    await s.sync(3000);
  } catch {
    res.mode = 'link';
    o.out('no console (a running reader owns the wire): showing BW-SC frames');
  }
  const end = o.durationMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + o.durationMs;
  const every = o.intervalMs ?? 5000;
  while (!closed && Date.now() < end) {
    if (res.mode === 'console') {
      try {
        const h = JSON.parse(await s.eval(HEALTH, 5000, 'health')) as Record<string, unknown>;
        res.health++;
        o.out(
          `health free ${h.free}/${h.total} vars, storage ${h.storage} B free, board clock ${h.clock} s, ` +
            (h.reader ? `reader ${h.reader} door ${h.door}` : h.badge ? 'badge' : 'unprovisioned'),
        );
      } catch (e) {
        if (closed) break;
        o.out('health poll failed: ' + (e as Error).message);
      }
    }
    await new Promise((r) => setTimeout(r, Math.max(10, Math.min(every, end - Date.now()))));
  }
  link.close();
  return res;
}
