/**
 * Flash wear of the reader's outbox: Storage writes and erases per 1 000 sightings while the host is online,
 * with the RAM window (sightings held until acknowledged) against the write-through baseline (every event in
 * Storage before it is sent: the behaviour before the window), in the same run, on a Flash port that counts
 * calls. Traffic: bursts of 20 sightings a second (a group walking past), the host acknowledging each burst
 * within the next second, a heartbeat every 5 s that spills held sightings when the host made no
 * acknowledgement progress for 4 s (HostLink's rule). A third run has the host stall for 10 s mid-way.
 * CPU time comes with each figure.
 */
import { type Row, report } from '../../protocol/bench/report';
import { outbox } from '../src/app/outbox';
import type { Flash } from '../src/ports';

class CountingFlash implements Flash {
  files: { [name: string]: Uint8Array | string } = {};
  writes = 0;
  erases = 0;
  readArrayBuffer(name: string): ArrayBuffer | undefined {
    const v = this.files[name];
    return v instanceof Uint8Array ? new Uint8Array(v).buffer : undefined;
  }
  write(name: string, data: Uint8Array): boolean {
    this.writes++;
    this.files[name] = new Uint8Array(data);
    return true;
  }
  readJSON(name: string, _noExceptions: true): unknown {
    const v = this.files[name];
    return typeof v === 'string' ? JSON.parse(v) : undefined;
  }
  writeJSON(name: string, v: unknown): boolean {
    this.writes++;
    this.files[name] = JSON.stringify(v);
    return true;
  }
  erase(name: string): void {
    this.erases++;
    delete this.files[name];
  }
}

const SIGHTING = new Uint8Array(60).fill(0xa5);

function run(hold: boolean, stall: boolean): { writes: number; erases: number; cpuMs: number } {
  const f = new CountingFlash();
  const box = outbox(f, 64);
  let lastProgress = 0;
  const c0 = process.cpuUsage();
  for (let burst = 0; burst < 50; burst++) {
    const now = burst * 1000;
    for (let i = 0; i < 20; i++) box.store(SIGHTING, hold);
    if (!stall || burst < 20 || burst >= 30) {
      box.ack(box.next - 1);
      lastProgress = now;
    }
    if (burst % 5 === 4 && now - lastProgress >= 4000) box.spill();
  }
  box.ack(box.next - 1);
  const c = process.cpuUsage(c0);
  return { writes: f.writes, erases: f.erases, cpuMs: (c.user + c.system) / 1000 };
}

const base = run(false, false);
const held = run(true, false);
const slow = run(true, true);
const rows: Row[] = [
  {
    name: 'Storage writes / 1 000 sightings, host online (RAM window)',
    value: held.writes,
    unit: 'writes',
    baseline: { name: 'write-through', value: base.writes },
    target: '<= 50',
  },
  {
    name: 'Storage erases / 1 000 sightings, host online (RAM window)',
    value: held.erases,
    unit: 'erases',
    baseline: { name: 'write-through', value: base.erases },
  },
  {
    name: 'Storage writes / 1 000 sightings, host stalls 10 s',
    value: slow.writes,
    unit: 'writes',
    baseline: { name: 'write-through', value: base.writes },
  },
  {
    name: 'CPU per 1 000 sightings (RAM window)',
    value: held.cpuMs,
    unit: 'ms CPU',
    baseline: { name: 'write-through', value: base.cpuMs },
  },
];
report('Reader outbox flash wear (firmware/src/app/outbox.ts)', rows);
