/**
 * MQTT 5 output of journalled decisions and sightings. It reads from the journal (so nothing is published
 * before its row is durable), publishes at QoS 1 with the journal event id as a user property and in the
 * payload (consumers de-duplicate on it), and advances its cursor only over positions the broker has
 * acknowledged without gaps. While the broker is away nothing new is sent; mqtt.js re-sends in-flight
 * messages on reconnect and the pump resumes after them. After a restart it resumes from the cursor.
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { MetricsRegistry } from '../api/metrics';
import type { EventKind, Journal, JournalEvent } from '../journal/types';
import type { CursorStore } from './cursor';

export interface MqttTlsOptions {
  /** PEM CA (or the bridge's own certificate when the broker uses it) to trust. */
  ca?: string;
  servername?: string;
  /** Client certificate for brokers that require mutual TLS. */
  cert?: string;
  key?: string;
}

export interface MqttOutputOptions {
  /** `mqtts://host:port`; plain `mqtt://` only to a loopback broker (data is encrypted in flight). */
  url: string;
  tenant: string;
  journal: Journal;
  cursor: CursorStore;
  log: Logger;
  topicPrefix?: string;
  kinds?: EventKind[];
  clientId?: string;
  username?: string;
  password?: string;
  tls?: MqttTlsOptions;
  reconnectPeriodMs?: number;
  /** Publications awaiting PUBACK at once. */
  maxInFlight?: number;
  metrics?: MetricsRegistry;
}

export class MqttOutputError extends Error {
  constructor(
    readonly code: 'mqtt_plaintext_remote' | 'mqtt_bad_url',
    message: string,
  ) {
    super(message);
    this.name = 'MqttOutputError';
  }
}

export interface MqttOutput {
  /** Connects and starts publishing; resolves on the first CONNACK, rejects if the first attempt fails. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Highest position acknowledged with no gap before it. */
  acked(): number;
  /** Resolves once everything journalled so far (up to `pos`) is acknowledged. */
  drained(pos?: number): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function topicFor(prefix: string, tenant: string, ev: JournalEvent): string {
  return `${prefix}/${tenant}/${ev.kind}/${ev.readerId}`;
}

export function createMqttOutput(o: MqttOutputOptions): MqttOutput {
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    throw new MqttOutputError('mqtt_bad_url', 'mqtt url is not a URL');
  }
  if (url.protocol !== 'mqtts:' && !(url.protocol === 'mqtt:' && LOOPBACK.has(url.hostname))) {
    throw new MqttOutputError('mqtt_plaintext_remote', 'use mqtts:// for a broker that is not on loopback');
  }
  const prefix = o.topicPrefix ?? 'badgewire';
  const kinds = new Set<EventKind>(o.kinds ?? ['decision', 'sighting']);
  const maxInFlight = o.maxInFlight ?? 64;
  const where = `${url.protocol}//${url.hostname}:${url.port}`; // never the credentials
  const published = o.metrics?.counter(
    'badgewire_mqtt_published_total',
    'Events published to MQTT (incl. resends)',
  );
  const ackedGauge = o.metrics?.gauge(
    'badgewire_mqtt_acked_position',
    'Journal position acknowledged by the broker',
  );
  const connGauge = o.metrics?.gauge('badgewire_mqtt_connected', '1 while connected to the broker');

  let acked = o.cursor.load();
  let next = acked; // highest position handed to the client (published or skipped)
  const order: number[] = []; // positions after `acked`, in order, not yet contiguously acknowledged
  const done = new Set<number>();
  let client: MqttClient | undefined;
  let pumping = false;
  let stopped = false;
  let unsubscribe: (() => void) | undefined;
  const waiters: Array<{ pos: number; resolve: () => void }> = [];

  const advance = () => {
    let moved = false;
    while (order.length > 0 && done.has(order[0]!)) {
      const p = order.shift()!;
      done.delete(p);
      acked = p;
      moved = true;
    }
    if (!moved) return;
    o.cursor.save(acked);
    ackedGauge?.set(acked);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (acked >= waiters[i]!.pos) waiters.splice(i, 1)[0]!.resolve();
    }
  };

  const pump = () => {
    if (pumping || stopped || !client?.connected) return;
    pumping = true;
    try {
      while (client.connected && order.length < maxInFlight) {
        const page = o.journal.read(next, maxInFlight - order.length);
        if (page.length === 0) break;
        for (const ev of page) {
          next = ev.pos;
          order.push(ev.pos);
          if (!kinds.has(ev.kind)) {
            done.add(ev.pos);
            continue;
          }
          const payload = JSON.stringify({
            id: ev.id,
            pos: ev.pos,
            kind: ev.kind,
            readerId: ev.readerId,
            at: ev.at,
            data: ev.data,
          });
          client.publish(
            topicFor(prefix, o.tenant, ev),
            payload,
            {
              qos: 1,
              properties: {
                contentType: 'application/json',
                userProperties: { 'event-id': ev.id, 'journal-pos': String(ev.pos), tenant: o.tenant },
              },
            },
            (err) => {
              if (err) return; // connection closed: mqtt.js keeps the packet and re-sends it on reconnect
              done.add(ev.pos);
              advance();
              // refill in half-window batches: one journal read per ~32 acks, not one per ack
              if (order.length <= maxInFlight >> 1) pump();
            },
          );
          published?.inc();
        }
      }
      advance();
    } finally {
      pumping = false;
    }
  };

  return {
    start: () =>
      new Promise((resolve, reject) => {
        const opts: IClientOptions = {
          protocolVersion: 5,
          clientId: o.clientId ?? `badgewire-${o.tenant}-${process.pid}`,
          clean: true,
          reconnectPeriod: o.reconnectPeriodMs ?? 1000,
          connectTimeout: 10_000,
          ...(o.username !== undefined ? { username: o.username } : {}),
          ...(o.password !== undefined ? { password: o.password } : {}),
          ...(url.protocol === 'mqtts:'
            ? {
                ca: o.tls?.ca,
                cert: o.tls?.cert,
                key: o.tls?.key,
                servername: o.tls?.servername,
                rejectUnauthorized: true,
                minVersion: 'TLSv1.2' as const,
              }
            : {}),
        };
        const c = connect(`${url.protocol}//${url.host}`, opts);
        client = c;
        let first = true;
        c.on('connect', () => {
          connGauge?.set(1);
          o.log.info({ broker: where, acked }, 'mqtt connected');
          if (first) {
            first = false;
            unsubscribe = o.journal.subscribe(() => pump());
            resolve();
          }
          pump();
        });
        c.on('close', () => {
          connGauge?.set(0);
          if (!stopped)
            o.log.warn(
              { broker: where, acked },
              'mqtt connection lost; will resume from the last acknowledged position',
            );
        });
        c.on('error', (e) => {
          o.log.warn({ broker: where, reason: (e as NodeJS.ErrnoException).code ?? e.name }, 'mqtt error');
          if (first) {
            // Refused at start: report it to the caller instead of retrying silently in the background.
            first = false;
            c.end(true);
            reject(e);
          }
        });
      }),
    stop: async () => {
      stopped = true;
      unsubscribe?.();
      const c = client;
      client = undefined;
      if (c) await c.endAsync(true);
      connGauge?.set(0);
    },
    acked: () => acked,
    drained: (pos = o.journal.lastPos()) =>
      acked >= pos ? Promise.resolve() : new Promise((resolve) => waiters.push({ pos, resolve })),
  };
}
