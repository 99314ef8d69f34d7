/** Fake ports for unit tests of the firmware app layers: a virtual clock, flash, outputs, radio, system. */
import type { Advert, Clock, Flash, Health, Outputs, Radio, System } from '../src/ports';

interface Timer {
  id: number;
  at: number;
  cb: () => void;
}

/** Virtual time: timers run only inside `advance`, in due order; nothing sleeps. */
export class FakeClock implements Clock {
  t = 0;
  epochBase = 1_780_000_000;
  private timers: Timer[] = [];
  private next = 1;
  now(): number {
    return this.t;
  }
  epoch(): number {
    return this.epochBase + Math.floor(this.t / 1000);
  }
  setTimer(ms: number, cb: () => void): number {
    const id = this.next++;
    this.timers.push({ id, at: this.t + Math.max(0, ms), cb });
    return id;
  }
  clearTimer(id: number): void {
    this.timers = this.timers.filter((x) => x.id !== id);
  }
  get pending(): number {
    return this.timers.length;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let best: Timer | undefined;
      for (const x of this.timers) if (x.at <= end && (!best || x.at < best.at)) best = x;
      if (!best) break;
      const b = best;
      this.timers = this.timers.filter((x) => x !== b);
      this.t = Math.max(this.t, b.at);
      b.cb();
    }
    this.t = end;
  }
}

export class FakeFlash implements Flash {
  files = new Map<string, Uint8Array | string>();
  writes = 0;
  readArrayBuffer(name: string): ArrayBuffer | undefined {
    const v = this.files.get(name);
    return v instanceof Uint8Array ? new Uint8Array(v).buffer : undefined;
  }
  write(name: string, data: Uint8Array): boolean {
    this.writes++;
    this.files.set(name, new Uint8Array(data));
    return true;
  }
  readJSON(name: string): unknown {
    const v = this.files.get(name);
    return typeof v === 'string' ? JSON.parse(v) : undefined;
  }
  writeJSON(name: string, v: unknown): boolean {
    this.writes++;
    this.files.set(name, JSON.stringify(v));
    return true;
  }
  erase(name: string): void {
    this.files.delete(name);
  }
}

export class FakeOutputs implements Outputs {
  events: string[] = [];
  relay(ms: number): void {
    this.events.push('relay:' + ms);
  }
  led(color: number, pattern: number[]): void {
    this.events.push('led:' + color + ':' + pattern.join(','));
  }
  beep(pattern: number[]): void {
    this.events.push('beep:' + pattern.join(','));
  }
}

export class FakeRadio implements Radio {
  scanning: { cid: number; cb: (a: Advert) => void } | null = null;
  adverts: (Uint8Array | null)[] = [];
  addresses: Uint8Array[] = [];
  scan(cid: number, _i: number, _w: number, cb: (a: Advert) => void): void {
    this.scanning = { cid, cb };
  }
  stopScan(): void {
    this.scanning = null;
  }
  advertise(ad: Uint8Array | null, _ms: number): void {
    this.adverts.push(ad ? new Uint8Array(ad) : null);
  }
  setAddress(addr: Uint8Array): void {
    this.addresses.push(new Uint8Array(addr));
  }
}

export class FakeSystem implements System {
  logs: string[] = [];
  kicks = 0;
  wdt = 0;
  free = 2000;
  flags = 0;
  tamper = false;
  health(): Health {
    const f = this.flags;
    this.flags = 0;
    return { free: this.free, flags: f, tamper: this.tamper };
  }
  watchdog(s: number): void {
    this.wdt = s;
  }
  kick(): void {
    this.kicks++;
  }
  log(msg: string): void {
    this.logs.push(msg);
  }
}
