/**
 * Keeps one reader's serial link up across unplug/replug: opens it, hands each fresh `SerialLink` to `onLink`,
 * and after a loss retries with exponential backoff and jitter until the device is back. Retrying is the hot-plug
 * detector: each attempt re-checks the path (or re-lists USB ports when discovering by id).
 *
 * A new link starts with an empty stream: bytes in flight at the unplug are gone, and the session layer above
 * retransmits what was not acknowledged.
 */
import { existsSync } from 'node:fs';
import type { Clock } from '@badgewire/protocol';
import { matchReaders, type PortInfoLike, type ReaderFilter } from './discovery';
import { CLOSE_LOCAL, TransportError } from './errors';
import { openSerialLink, type SerialLink, type SerialLinkOptions, systemClock } from './serial';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** 0..1: the share of each delay that is randomised, so many bridges do not retry in lockstep. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 5000, factor: 2, jitter: 0.3 };

/** Delay before retry number `attempt` (0-based): capped exponential, minus up to `jitter` of it at random. */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number): number {
  const base = Math.min(o.maxMs, o.initialMs * o.factor ** Math.min(attempt, 30));
  return Math.round(base * (1 - o.jitter * random()));
}

export interface SerialSupervisorOptions extends Omit<SerialLinkOptions, 'path' | 'clock'> {
  /** Open this path (a pty in tests, /dev/serial/by-id/... in production)... */
  path?: string;
  /** ...or the first attached port matching these USB ids. */
  match?: readonly ReaderFilter[];
  backoff?: Partial<BackoffOptions>;
  clock?: Clock;
  random?: () => number;
  /** serialport's list(), injectable for tests. */
  list?: () => Promise<PortInfoLike[]>;
  onLink(link: SerialLink): void;
  /** Each distinct failure once (not on every retry); the supervisor keeps retrying regardless. */
  onError?(err: TransportError): void;
}

export interface SerialSupervisor {
  /** Stops retrying and closes the current link. */
  stop(): void;
  readonly attempts: number;
}

export function superviseSerial(opts: SerialSupervisorOptions): SerialSupervisor {
  if (!opts.path && !opts.match) throw new TypeError('superviseSerial needs a path or USB match filters');
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
  let stopped = false;
  let attempt = 0;
  let total = 0;
  let timer: number | undefined;
  let current: SerialLink | undefined;
  let lastError = '';

  const report = (e: TransportError) => {
    if (e.code === lastError) return;
    lastError = e.code;
    opts.onError?.(e);
  };

  const schedule = () => {
    if (stopped) return;
    timer = clock.setTimer(backoffDelay(attempt++, backoff, random), () => {
      timer = undefined;
      void tryOpen();
    });
  };

  const resolvePath = async (): Promise<string | undefined> => {
    if (opts.path) return existsSync(opts.path) ? opts.path : undefined;
    const list = opts.list ?? (async () => (await import('serialport')).SerialPort.list());
    return matchReaders(await list(), opts.match ?? [])[0]?.path;
  };

  const tryOpen = async () => {
    if (stopped) return;
    total++;
    let path: string | undefined;
    try {
      path = await resolvePath();
    } catch {
      path = undefined;
    }
    if (!path) {
      report(new TransportError('E_SERIAL_MISSING', 'no reader attached', 'plug the reader in', true));
      schedule();
      return;
    }
    try {
      const link = await openSerialLink({ ...opts, path, clock });
      if (stopped) {
        link.close();
        return;
      }
      attempt = 0;
      lastError = '';
      current = link;
      link.onClose((code) => {
        if (current === link) current = undefined;
        if (code !== CLOSE_LOCAL) schedule();
      });
      opts.onLink(link);
    } catch (e) {
      report(e instanceof TransportError ? e : new TransportError('E_SERIAL_OPEN', String(e), '', true));
      schedule();
    }
  };

  void tryOpen();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimer(timer);
      current?.close();
    },
    get attempts() {
      return total;
    },
  };
}
