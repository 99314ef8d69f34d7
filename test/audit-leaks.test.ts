/**
 * The PII audit must be able to fail. Deliberately leaky builds of the reader firmware run in the Espruino
 * runtime next to a rogue host that plants canaries in its messages, and a badge whose tag UID is a canary.
 * Each leak must be caught with the right place and canary kind; the real firmware under the same treatment
 * must pass.
 *
 * The reader's CBOR takes byte strings, never text (protocol/src/cbor/lean.ts), so the rogue host plants its
 * canaries as bytes, and the variants in firmware/test-variants read them from the byte field.
 */
import { join } from 'node:path';
import { fromHex } from '@badgewire/protocol';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { boardDefines, FIRMWARE_DIR, plainRequire } from '../firmware/build/bundle';
import { attendeeCanaries, type Canary, PiiAudit } from '../simulator/src/audit/index';
import type { VirtualTag } from '../simulator/src/chips/pn532';
import { badgeAsTag, badgeDevice, bundle, Host, readerDevice, text, VirtualClock } from './firmware-harness';

const UID = fromHex('04a1b2c3d4e5f6');
const canaries = attendeeCanaries(42, 'lk', fromHex('5e71a10000000042'), UID);
const value = (k: string) => (canaries.find((c) => c.kind === k) as Canary).value as string;

async function variant(name: string): Promise<string> {
  const dir = join(FIRMWARE_DIR, 'test-variants');
  const r = await build({
    entryPoints: [join(dir, `${name}.ts`)],
    bundle: true,
    format: 'iife',
    target: 'es2015',
    platform: 'neutral',
    minify: true,
    write: false,
    conditions: ['source'],
    external: ['Storage', 'crypto'],
    mainFields: ['module', 'main'],
    define: boardDefines('puckjs', 'leaky'),
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false, verbatimModuleSyntax: true } },
    logLevel: 'silent',
  });
  return plainRequire(r.outputFiles[0]?.text ?? '');
}

/** Boots `code` as a door reader, lets a rogue host plant canaries and a canary-UID badge tap, then audits. */
async function runAndAudit(code: string) {
  const clock = new VirtualClock();
  const r = readerDevice(code, clock, {});
  r.dev.boot();
  const host = new Host(r.dev, clock, 'Serial1');
  const wire: Uint8Array[] = [];
  r.dev.serial('Serial1').onData((b) => wire.push(new Uint8Array(b)));
  host.handshake();
  clock.advance(50);
  expect(host.ch.isUp()).toBe(true);
  // A rogue host: a CONFIG carrying an attendee's name and email in an extra field.
  host.send({ 0: 20, 1: 0, 9: text(value('name')) });
  host.send({ 0: 20, 1: 0, 9: text(value('email')) });
  host.send({ 0: 21, 2: [fromHex('c0c1c2c3c4c5c6c7')], 3: 60, 4: 1 });
  clock.advance(200);
  const badge = badgeDevice((await bundle('puckjs', 'badge')).code, clock);
  badge.boot();
  const inner = badgeAsTag(badge);
  const tag: VirtualTag = { ...inner, uid: UID };
  r.chip.place(tag);
  clock.advance(3000);
  const audit = new PiiAudit(canaries);
  audit.memory('reader', r.dev.auditRoots());
  audit.bytesAt('reader flash', r.flash.dump());
  audit.text('reader console', r.dev.consoleOutput);
  audit.bytesAt('link reader->host', Buffer.concat(wire));
  return { result: audit.result(), host };
}

describe('the PII audit catches leaky reader firmware', () => {
  it('passes the real reader firmware under the same rogue host and canary tag', async () => {
    const { result, host } = await runAndAudit((await bundle('puckjs', 'reader')).code);
    // The tap really happened (so the UID really crossed the PN532), and nothing leaked.
    expect(host.of(17).length).toBeGreaterThanOrEqual(1);
    expect(result.hits).toEqual([]);
    expect(result.places).toBeGreaterThan(3);
  });

  it('a variant that logs a decrypted field is caught on the console, as the name and email', async () => {
    const { result } = await runAndAudit(await variant('log-decrypted'));
    const onConsole = result.hits.filter((h) => h.place === 'reader console');
    expect(onConsole.map((h) => h.kind).sort()).toEqual(['email', 'name']);
    expect(onConsole.every((h) => h.owner === 'attendee 42' && h.encoding === 'utf-8')).toBe(true);
    // The board's console buffer is one of its RAM roots.
    const inRam = result.hits.filter((h) => h.place === 'reader ram:<console output>');
    expect(inRam.map((h) => h.kind).sort()).toEqual(['email', 'name']);
  });

  it('a variant that stores the NFC UID is caught in flash, as the nfc-uid', async () => {
    const { result } = await runAndAudit(await variant('store-uid'));
    const inFlash = result.hits.filter((h) => h.place === 'reader flash');
    expect(inFlash.length).toBeGreaterThanOrEqual(1);
    expect(inFlash.every((h) => h.kind === 'nfc-uid' && h.encoding === 'raw bytes')).toBe(true);
  });

  it('a variant that forwards a canary from a rogue host is caught in its Storage queue', async () => {
    const { result, host } = await runAndAudit(await variant('forward-canary'));
    const kinds = new Set(result.hits.filter((h) => h.place === 'reader flash').map((h) => h.kind));
    expect(kinds).toEqual(new Set(['name', 'email']));
    // Events go to flash before they are sent and the firmware keeps no copy (outbox.ts): RAM stays clean.
    expect(result.hits.filter((h) => h.place.startsWith('reader ram'))).toEqual([]);
    // The link itself is ciphertext: the leak is only visible where the reader keeps data.
    expect(result.hits.some((h) => h.place.startsWith('link'))).toBe(false);
    const forwarded = host
      .of(17)
      .some((m) =>
        Object.values(m).some((v) => v instanceof Uint8Array && Buffer.from(v).toString() === value('email')),
      );
    expect(forwarded).toBe(true);
  });
});
