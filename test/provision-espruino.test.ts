/**
 * The full bench cycle against the simulator's emulated Espruino console on a real pty (socat), host end a real
 * SerialLink: flash the built reader bundle, provision it with a link key issued by the sealed KeyStore, verify,
 * reboot; the reader then boots with that config and completes the BW-SC handshake with the host's ReaderHub
 * over the same cable, which proves the key (issued -> active in the store).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  fingerprint,
  KeyStore,
  keyStoreKeyring,
  MemoryReaderStore,
  openSerialLink,
  ReaderHub,
  type SerialLink,
  systemClock,
} from '@badgewire/host';
import {
  EspruinoConsole,
  EspruinoDevice,
  openConsolePty,
  VirtualClock,
  VirtualPn532,
} from '@badgewire/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FlashError,
  flashBundle,
  provisionBadge,
  provisionReader,
  rebootDevice,
  verifyDevice,
} from '../firmware/build/flash/index';
import { bundle } from './firmware-harness';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const READER = '0a0b0c0d0e0f1011';

function keyStore(): KeyStore {
  const dir = mkdtempSync(join(tmpdir(), 'bw-prov-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return KeyStore.create(join(dir, 'keys.sealed'), { passphrase: 'correct horse battery' });
}

async function bench(storageBytes?: number) {
  const clock = new VirtualClock();
  const chip = new VirtualPn532();
  const dev = new EspruinoDevice({
    board: 'puckjs',
    clock,
    console: 'Serial1',
    guardMs: 60_000,
    i2c: { write: (a, d) => chip.i2cWrite(a, d), read: (a, n) => chip.i2cRead(a, n) },
  });
  new EspruinoConsole(dev);
  dev.boot();
  if (storageBytes !== undefined) {
    // Fill Storage so only `storageBytes` stay free (another app's files on a real board).
    const free = dev.storage.getFree() - storageBytes - 32;
    dev.storage.write('other.app', new Uint8Array(free).fill(0x41));
  }
  const pty = await openConsolePty(dev);
  cleanups.push(() => pty.close());
  const open = async (): Promise<SerialLink> => {
    const link = await openSerialLink({ path: pty.hostPath });
    cleanups.push(() => link.close());
    return link;
  };
  const closeAndWait = async (l: SerialLink) => {
    const gone = new Promise((r) => l.onClose(r));
    l.close();
    await gone;
  };
  return { clock, dev, open, closeAndWait };
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('flash + provision + verify + reboot on the emulated console, then BW-SC with the ReaderHub', () => {
  it('a provisioned reader boots its config and proves the key from the key store', async () => {
    const b = await bench();
    const ks = keyStore();
    const code = new Uint8Array(Buffer.from((await bundle('puckjs', 'reader')).code, 'latin1'));
    const link = await b.open();

    const fr = await flashBundle(link, code, { board: 'puckjs', chunkSize: 512, timeoutMs: 20_000 });
    expect(fr.written).toBe(Math.ceil(code.length / 512));
    expect(fr.crc).toBe(crc32(code) >>> 0);
    // Not provisioned yet: the reader refuses to run and leaves the console alone.
    expect(b.dev.consoleOutput).toContain('not provisioned (E601)');

    const deps = { keys: ks, fingerprint };
    const pr = await provisionReader(link, { id: READER, door: 7, link: 'Serial1', relay: 2500 }, deps);
    expect(pr.reusedKey).toBe(false);
    const live = ks.readerKeys(READER);
    expect(live.map((k) => k.state)).toEqual(['issued']);
    expect(pr.fingerprint).toBe(fingerprint(live[0]!.key));
    expect(ks.issued().some((r) => r.action === 'create' && r.to === READER)).toBe(true);
    // The record on the device is exactly the allow-listed config with the store's key.
    const cfg = JSON.parse(Buffer.from(b.dev.storage.read('bw.cfg')!).toString('latin1'));
    expect(Object.keys(cfg).sort()).toEqual(['door', 'id', 'key', 'link', 'relay']);
    expect(cfg.key).toBe(Buffer.from(live[0]!.key).toString('hex'));

    const vr = await verifyDevice(link, deps, { bundle: code });
    expect(vr).toMatchObject({
      ok: true,
      firmwareOk: true,
      role: 'reader',
      readerId: READER,
      keyState: 'issued',
    });
    expect(JSON.stringify(vr)).not.toContain(cfg.key);

    await rebootDevice(link);
    await b.closeAndWait(link);

    // The reader now owns Serial1 (the cable) for its host link; the host's hub attaches to the same port.
    const hub = new ReaderHub({
      store: new MemoryReaderStore(),
      keyring: keyStoreKeyring(ks),
      clock: systemClock,
      onEvent: async () => {},
    });
    hub.register(READER, 'acme', { door: true });
    const tick = setInterval(() => b.clock.advance(20), 10);
    cleanups.push(() => clearInterval(tick));
    await until('the reader to boot', () => b.dev.resets.length > 0);
    const session = hub.attach(await b.open(), 'serial');
    await until('the BW-SC handshake', () => session.isUp());
    expect(session.readerId).toBe(READER);
    await until('the key to become active', () => hub.provisioning(READER) === 'enforced');
    expect(ks.readerKeys(READER)[0]!.state).toBe('active');
    expect(b.dev.errors).toEqual([]);
  });

  it('refuses fields off the allow-list and a second provisioning of a proven reader', async () => {
    const b = await bench();
    const ks = keyStore();
    const link = await b.open();
    const deps = { keys: ks, fingerprint };
    await expect(provisionReader(link, { id: READER, email: 'a@b.c' } as never, deps)).rejects.toMatchObject({
      code: 'E_PROVISION_FIELD',
    });
    await expect(
      provisionReader(link, { id: READER, kTap: '00'.repeat(16) } as never, deps),
    ).rejects.toMatchObject({ code: 'E_PROVISION_FIELD' });
    expect(ks.readerKeys(READER)).toHaveLength(0); // a refused job costs no key
    expect(b.dev.storage.list()).not.toContain('bw.cfg');

    const first = await provisionReader(link, { id: READER }, deps);
    const again = await provisionReader(link, { id: READER }, deps); // interrupted provisioning: same key
    expect(again).toMatchObject({ reusedKey: true, keyId: first.keyId });
    ks.activateReaderKey(first.keyId!);
    await expect(provisionReader(link, { id: READER }, deps)).rejects.toMatchObject({
      code: 'E_PROVISION_KEYED',
    });
  });

  it('provisions a badge (keys, company id, clock) and removes reader files', async () => {
    const b = await bench();
    const link = await b.open();
    b.dev.storage.write('bw.cfg', new Uint8Array(Buffer.from('{"id":"x"}')));
    const kId = '000102030405060708090a0b0c0d0e0f';
    const r = await provisionBadge(
      link,
      { kId, kTap: 'f0e0d0c0b0a090807060504030201000', cid: 0x1234, clock: 1_800_000 },
      fingerprint,
    );
    expect(r.fingerprint).toBe(fingerprint(new Uint8Array(Buffer.from(kId, 'hex'))));
    expect(Buffer.from(b.dev.storage.read('bw.badge')!).toString('hex')).toBe(
      kId + 'f0e0d0c0b0a090807060504030201000' + '3412',
    );
    expect(JSON.parse(Buffer.from(b.dev.storage.read('bw.clk')!).toString())).toEqual({ t: 1_800_000 });
    expect(b.dev.storage.list()).not.toContain('bw.cfg');
  });

  it('out of flash: refused before anything on the board is erased', async () => {
    const b = await bench(2000);
    const link = await b.open();
    const before = b.dev.storage.list();
    const big = new Uint8Array(6000).fill(0x20);
    const err = await flashBundle(link, big, { chunkSize: 512 }).catch((e) => e);
    expect(err).toBeInstanceOf(FlashError);
    expect(err.code).toBe('E_FLASH_FULL');
    expect(b.dev.storage.list()).toEqual(before);
  });
});
