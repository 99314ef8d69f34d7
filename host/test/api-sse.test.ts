import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventKind } from '../src/journal/types';
import { type Harness, openStream, startHarness } from './api-fixtures';

let h: Harness;
let n = 0;

async function append(count: number, kind: EventKind = 'decision') {
  for (let i = 0; i < count; i++) {
    n++;
    await h.stores.get('acme').journal.append({
      id: `door-1:${n}`,
      kind,
      readerId: 'door-1',
      at: h.clock.now,
      data: { outcome: 'granted' },
    });
  }
}
const pos = (s: { events: Array<{ id: string }> }) => s.events.map((e) => Number(e.id));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  h = await startHarness({ idleMs: 400, heartbeatMs: 100 });
  await append(5);
});
afterAll(async () => {
  await h.close();
});

describe('event stream (SSE)', () => {
  it('replays the backlog, then delivers live events in order with their journal position as id', async () => {
    const s = openStream(h, '/v1/events', await h.token());
    expect(await s.status).toBe(200);
    await s.waitFor(5);
    await append(3);
    await s.waitFor(8);
    expect(pos(s)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const ev = JSON.parse(s.events[7]!.data);
    expect(ev).toMatchObject({ pos: 8, id: 'door-1:8', kind: 'decision', readerId: 'door-1' });
    expect(s.events[7]!.event).toBe('decision');
    s.abort();
  });

  it('resumes after Last-Event-ID, and after ?after=, without gaps or repeats', async () => {
    const a = openStream(h, '/v1/events', await h.token(), { 'last-event-id': '6' });
    await a.waitFor(2);
    const b = openStream(h, '/v1/events?after=3', await h.token());
    await b.waitFor(5);
    await append(1);
    await a.waitFor(3);
    await b.waitFor(6);
    expect(pos(a)).toEqual([7, 8, 9]);
    expect(pos(b)).toEqual([4, 5, 6, 7, 8, 9]);
    a.abort();
    b.abort();
  });

  it('loses nothing appended while the backlog is being replayed', async () => {
    const s = openStream(h, '/v1/events', await h.token());
    const writes = append(20);
    await writes;
    await s.waitFor(29);
    expect(pos(s)).toEqual(Array.from({ length: 29 }, (_, i) => i + 1));
    s.abort();
  });

  it('filters by kind', async () => {
    await append(2, 'sighting');
    const s = openStream(h, '/v1/events?kind=sighting', await h.token());
    await s.waitFor(2);
    await append(1, 'decision');
    await append(1, 'sighting');
    await s.waitFor(3);
    expect(s.events.map((e) => e.event)).toEqual(['sighting', 'sighting', 'sighting']);
    s.abort();
  });

  it('refuses a malformed Last-Event-ID', async () => {
    const s = openStream(h, '/v1/events', await h.token(), { 'last-event-id': 'abc' });
    expect(await s.status).toBe(400);
  });

  it('keeps an active stream open, sends heartbeats, and closes it once idle', async () => {
    const s = openStream(h, `/v1/events?after=${n}`, await h.token());
    expect(await s.status).toBe(200);
    for (let i = 1; i <= 4; i++) {
      await sleep(200);
      await append(1);
      await s.waitFor(i);
    }
    const t0 = Date.now();
    await s.closed;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(s.events).toHaveLength(4);
    const raw = s.raw.join('');
    expect(raw).toContain(': ping');
    expect(raw).toContain(': closing (idle)');
  });

  it('ends the stream when the token it was opened with expires', async () => {
    const t = await h.token();
    h.clock.now += 599_850; // token exp is now 0.15 s away (the idle limit is 0.4 s) on the injected clock
    const s = openStream(h, `/v1/events?after=${n}`, t);
    expect(await s.status).toBe(200);
    await s.closed;
    h.clock.now -= 599_850;
    expect(s.raw.join('')).toContain(': closing (token_expired)');
  });

  it('disconnects a consumer that stops reading once its backlog passes the buffer cap', async () => {
    const slow = await startHarness({ maxBufferedBytes: 256 * 1024 });
    try {
      const j = slow.stores.get('acme').journal;
      const blob = 'q'.repeat(8000);
      await Promise.all(
        Array.from({ length: 1500 }, (_, i) =>
          j.append({ id: `door-1:${i}`, kind: 'decision', readerId: 'door-1', at: 1, data: { pad: blob } }),
        ),
      );
      const token = await slow.token();
      // The client never reads. The server may drop it before its headers are even flushed (hang-up).
      const req = request(
        {
          host: '127.0.0.1',
          port: slow.port,
          path: '/v1/events',
          ca: slow.ca,
          servername: 'localhost',
          agent: false,
          headers: { authorization: `Bearer ${token}` },
        },
        (res) => res.pause(),
      );
      req.on('error', () => undefined);
      req.end();
      const closes = slow.api.metrics.counter('badgewire_api_stream_closed_total', '');
      const deadline = Date.now() + 10_000;
      while (closes.get({ reason: 'slow_consumer' }) === 0 && Date.now() < deadline) await sleep(50);
      expect(closes.get({ reason: 'slow_consumer' })).toBe(1);
      req.destroy();
    } finally {
      await slow.close();
    }
  });

  it('caps open streams per tenant without affecting other tenants', async () => {
    const capped = await startHarness({ maxPerTenant: 2 });
    try {
      const a = openStream(capped, '/v1/events', await capped.token());
      const b = openStream(capped, '/v1/events', await capped.token());
      expect([await a.status, await b.status]).toEqual([200, 200]);
      const c = openStream(capped, '/v1/events', await capped.token());
      expect(await c.status).toBe(429);
      const g = openStream(capped, '/v1/events', await capped.token({}, 'globex'));
      expect(await g.status).toBe(200);
      a.abort();
      await sleep(100);
      const d = openStream(capped, '/v1/events', await capped.token());
      expect(await d.status).toBe(200);
      for (const s of [b, d, g]) s.abort();
    } finally {
      await capped.close();
    }
  });

  it('counts open streams back to zero once they close', async () => {
    await sleep(50);
    expect(h.api.metrics.gauge('badgewire_api_streams_open', '').get()).toBe(0);
    expect(
      h.api.metrics.counter('badgewire_api_stream_closed_total', '').get({ reason: 'idle' }),
    ).toBeGreaterThan(0);
  });
});
