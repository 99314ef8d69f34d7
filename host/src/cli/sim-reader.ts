/**
 * `badgewire bridge sim-reader`: a simulated reader for trying the bridge without hardware. It makes a socat
 * pseudo-terminal pair (the bridge opens `--pty PATH` as if a reader were plugged in there; this process holds
 * the other end), speaks the protocol's reader role over it (BW-SC handshake with the reader's link key from
 * `keys create-reader --out`, reliable session, heartbeats) and reports a badge sighting every `--every` ms.
 *
 * Built from the same @badgewire/protocol device code the firmware runs. It hears only unenrolled badges
 * (random EphIDs), so the bridge journals each sighting with `E_BADGE_UNKNOWN`: an event on the stream that
 * names nobody. The simulator (`badgewire sim`) is the place for whole venues of enrolled badges.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import {
  createReaderChannel,
  Deframer,
  encodeAdvertisement,
  encodeFrame,
  fastAes,
  fromHex,
  type Link,
  LinkSession,
  SCHEMA,
  type SessionOut,
} from '@badgewire/protocol';
import { BadgewireError } from '../errors';
import { openSerialLink } from '../transport/index';

export interface SimReader {
  /** Sightings handed to the session so far. */
  readonly sent: number;
  readonly up: boolean;
  stop(): void;
}

const random = { fill: (out: Uint8Array) => void out.set(randomBytes(out.length)) };

/** Runs the reader role over `link` until stopped; a sighting every `everyMs` once the session is up. */
export function runSimReader(o: { id: Uint8Array; key: Uint8Array; link: Link; everyMs: number }): SimReader {
  const ch = createReaderChannel(fastAes, random, { readerId: o.id, key: o.key, info: new Uint8Array(0) });
  if (!ch.ok)
    throw new BadgewireError('E_KEY_INPUT', 'the reader id or key is not usable', { code: ch.code });
  const s = new LinkSession(ch.value, { initiator: false, known: Object.keys(SCHEMA).map(Number) });
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  let up = false;
  let sent = 0;
  const apply = (out: SessionOut): void => {
    for (const p of out.send) o.link.write(encodeFrame(p));
    if (out.up) up = true;
    if (out.down) up = false;
    for (const d of out.deliver) if (d.seq !== 0) apply(s.durable(d.seq, now()));
  };
  const df = new Deframer(
    (p) => apply(s.receive(p, now())),
    () => undefined,
  );
  o.link.onData((c) => df.push(c));
  const tick = setInterval(() => apply(s.tick(now())), 50);
  const sight = setInterval(() => {
    if (!up) return;
    const eph = new Uint8Array(randomBytes(16));
    apply(
      s.send({ 0: 16, 1: 0, 2: encodeAdvertisement(0xffff, eph), 3: -60, 4: Math.floor(now()) }, true, now()),
    );
    sent++;
  }, o.everyMs);
  return {
    get sent() {
      return sent;
    },
    get up() {
      return up;
    },
    stop() {
      clearInterval(tick);
      clearInterval(sight);
      o.link.close();
    },
  };
}

function socat(hostPath: string, readerPath: string): Promise<ChildProcess> {
  const child = spawn('socat', [`pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${readerPath}`], {
    stdio: 'ignore',
  });
  return new Promise((resolve, reject) => {
    child.once('error', () =>
      reject(
        new BadgewireError('E_READER_IO', 'socat is needed for the simulated reader: apt-get install socat'),
      ),
    );
    const t0 = Date.now();
    const wait = () => {
      if (existsSync(hostPath) && existsSync(readerPath)) resolve(child);
      else if (child.exitCode !== null || Date.now() - t0 > 5000)
        reject(new BadgewireError('E_READER_IO', 'socat could not create the pseudo-terminal pair', {}));
      else setTimeout(wait, 20);
    };
    wait();
  });
}

/** The CLI action: runs until SIGINT/SIGTERM. */
export async function simReaderCommand(
  o: { reader: string; keyFile: string; pty: string; every: string },
  out: (line: string) => void,
): Promise<void> {
  if (!/^[0-9a-f]{16}$/.test(o.reader))
    throw new BadgewireError('E_KEY_INPUT', 'the reader id must be 16 lowercase hex digits', {});
  let key: Uint8Array;
  try {
    key = fromHex(readFileSync(o.keyFile, 'utf8').trim());
  } catch (e) {
    throw new BadgewireError('E_KEY_INPUT', 'cannot read the reader key file', {}, { cause: e });
  }
  if (key.length !== 32)
    throw new BadgewireError('E_KEY_INPUT', 'the reader key file must hold 32 bytes in hex', {});
  const everyMs = Number(o.every);
  if (!Number.isInteger(everyMs) || everyMs < 100)
    throw new BadgewireError(
      'E_KEY_INPUT',
      '--every must be a whole number of milliseconds, at least 100',
      {},
    );
  const readerPath = `${o.pty}.reader`;
  const child = await socat(o.pty, readerPath);
  const link = await openSerialLink({ path: readerPath, baudRate: 115200 });
  const r = runSimReader({ id: fromHex(o.reader), key, link, everyMs });
  key.fill(0);
  out(`simulated reader ${o.reader} on ${o.pty} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    child.once('exit', stop);
  });
  r.stop();
  child.kill();
}
