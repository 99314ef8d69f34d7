/** A real Mosquitto broker on loopback for the MQTT tests (mosquitto must be installed: apt-get install mosquitto). */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function waitListening(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = netConnect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`mosquitto did not listen on ${port}`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

export interface Broker {
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** `tls` serves MQTT over TLS with the given PEM files (TLS 1.2+, 256-bit AEAD suites only). */
export function mosquitto(dir: string, port: number, tls?: { certfile: string; keyfile: string }): Broker {
  const conf = join(dir, `mosquitto-${port}.conf`);
  const lines = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    'user root',
    'log_dest none',
  ];
  if (tls) {
    lines.push(
      `certfile ${tls.certfile}`,
      `keyfile ${tls.keyfile}`,
      'tls_version tlsv1.2',
      'ciphers ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305',
      'ciphers_tls1.3 TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256',
    );
  }
  writeFileSync(conf, `${lines.join('\n')}\n`);
  let proc: ChildProcess | undefined;
  return {
    port,
    async start() {
      proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
      await waitListening(port);
    },
    async stop() {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGKILL');
      });
    },
  };
}
