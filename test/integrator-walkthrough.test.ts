/**
 * docs/integrator.md, executed: every ```sh block of the page, in order, as one bash script (child
 * processes: the key CLI, the simulated reader on a real socat pty, the bridge, node + jose for the token, curl
 * over HTTPS with the generated certificate). DEMO and PORT point at a temp dir and a free port; `npx badgewire`
 * runs this checkout's CLI from source through a PATH shim (the built dist can be older than the sources under
 * test); every other command runs as written. Asserts that
 * an event arrived on the stream, that the printed fingerprint is the certificate's, and that the bridge
 * stopped cleanly.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../host/test/mqtt-broker';

const ROOT = join(__dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'bw-walkthrough-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The ```sh blocks of a markdown page, in order (```text and other fences are prose). */
function shellBlocks(md: string): string[] {
  const out: string[] = [];
  const re = /^```sh\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(md); m; m = re.exec(md)) out.push(m[1] as string);
  return out;
}

function realNpx(): string {
  return execFileSync('sh', ['-c', 'command -v npx'], { encoding: 'utf8' }).trim();
}

describe('docs/integrator.md walkthrough', () => {
  it('runs as written: keys, simulated reader on a pty, bridge, JWT, an event over HTTPS with curl', async () => {
    const blocks = shellBlocks(readFileSync(join(ROOT, 'docs', 'integrator.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    const port = await freePort();
    // `npx badgewire` -> this checkout's CLI from source. A script on PATH, not a shell function, so that
    // `npx badgewire ... &` leaves the CLI's own pid in $! (the shim execs) and `kill $BRIDGE_PID` reaches it.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const cli = join(ROOT, 'simulator', 'src', 'cli.ts');
    writeFileSync(
      join(bin, 'npx'),
      `#!/bin/sh\nif [ "$1" = badgewire ]; then shift; exec ${JSON.stringify(process.execPath)} --conditions=source --import tsx ${JSON.stringify(cli)} "$@"; fi\nexec ${JSON.stringify(realNpx())} "$@"\n`,
      { mode: 0o755 },
    );
    const script = join(dir, 'walkthrough.sh');
    writeFileSync(
      script,
      [
        'set -e',
        // Whatever happens, no background process outlives the script.
        "trap 'kill $BRIDGE_PID $SIM_PID 2>/dev/null || true' EXIT",
        ...blocks.map((b, i) => `echo "=== block ${i + 1}"\n${b}`),
        'echo "=== done"',
      ].join('\n'),
    );
    const child = spawn('bash', [script], {
      cwd: ROOT,
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        DEMO: join(dir, 'demo'),
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 150_000);
      child.on('exit', (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
    const detail = `stdout:\n${out}\nstderr:\n${err}`;
    expect(code, detail).toBe(0);
    expect(out).toContain('=== done');
    // The event: a sighting from the simulated reader, journalled with its refusal, streamed as SSE data.
    const data = /^data: (\{.*\})$/m.exec(out);
    expect(data, detail).not.toBeNull();
    const ev = JSON.parse(data?.[1] ?? '{}');
    expect(ev).toMatchObject({ kind: 'sighting', readerId: 'c0ffee0000000001', pos: 1 });
    expect(ev.data).toMatchObject({ ref: null, error: 'E_BADGE_UNKNOWN' });
    // The fingerprint the bridge printed is the one openssl computes from the PEM it wrote.
    const printed = /^SHA-256 ([0-9A-F:]+)$/m.exec(out)?.[1];
    const computed = /sha256 Fingerprint=([0-9A-F:]+)/i.exec(out)?.[1];
    expect(printed).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(printed).toBe(computed);
    const log = readFileSync(join(dir, 'demo', 'bridge.log'), 'utf8');
    expect(log).toContain('bridge stopped');
    // Nothing secret in what the walkthrough's processes logged.
    const key = readFileSync(join(dir, 'demo', 'door-east.key'), 'utf8').trim();
    expect(log).not.toContain(key);
    expect(log).not.toContain('correct horse battery staple');
  }, 180_000);
});
