/**
 * `badgewire keys`: the operator's key ceremony. Creates the sealed store, event master keys and reader/API
 * keys; exports badge keys to a provisioning station; rotates, activates and revokes; lists fingerprints.
 * Key bytes never go to stdout: reader and API keys are written to a 0600 file the operator names with --out,
 * badge keys only into the sealed station export.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { BadgewireError } from '../errors';
import { exportBadgeKeys, KeyStore, readSecretFile, secretFromEnv, writeFileAtomic } from '../keys/index';
import { addStoreOptions, type CliIo, guarded, openStore, type StoreOptions, storeLocation } from './common';

function writeKeyFile(path: string, key: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileAtomic(path, new TextEncoder().encode(`${Buffer.from(key).toString('hex')}\n`));
  key.fill(0);
}

/** Serials from a file (one per line, # comments) or a range like `BW-{000001..000500}`. */
function serialsFrom(o: { serials?: string; range?: string }): string[] {
  if (o.serials) {
    return readFileSync(o.serials, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean);
  }
  const m = o.range ? /^([A-Za-z0-9-]*)\{(\d+)\.\.(\d+)\}$/.exec(o.range) : null;
  if (!m)
    throw new BadgewireError(
      'E_KEY_INPUT',
      'give --serials FILE or --range PREFIX{FROM..TO}, e.g. BW-{000001..000500}',
      {},
    );
  const [, prefix, from, to] = m as unknown as [string, string, string, string];
  const a = Number(from);
  const b = Number(to);
  if (b < a || b - a >= 200_000)
    throw new BadgewireError('E_KEY_INPUT', 'range must ascend and hold at most 200000 serials', {});
  const out: string[] = [];
  for (let i = a; i <= b; i++) out.push(prefix + String(i).padStart(from.length, '0'));
  return out;
}

export function registerKeysCommand(program: Command, io: CliIo): Command {
  const keys = program
    .command('keys')
    .description('manage event, reader and API keys (prints fingerprints, never keys)');

  addStoreOptions(keys.command('init').description('create a new sealed key store')).action(
    guarded(io, (o: StoreOptions) => {
      const loc = storeLocation(o, io);
      mkdirSync(dirname(loc.path), { recursive: true, mode: 0o700 });
      KeyStore.create(loc.path, loc.secret(), { now: io.now });
      io.out(`created key store ${loc.path} (scrypt N=32768 r=8 p=1, AES-256-GCM)`);
    }),
  );

  addStoreOptions(keys.command('create-master').description('create an event master key'))
    .option('--label <label>', 'a label for the event (no personal data)')
    .action(
      guarded(io, (o: StoreOptions & { label?: string }) => {
        const s = openStore(o, io).createMasterKey(o.label);
        io.out(`master key ${s.id} fingerprint ${s.fingerprint}`);
      }),
    );

  addStoreOptions(
    keys.command('export-badges').description('derive badge keys and seal them for one provisioning station'),
  )
    .requiredOption('--master <id>', 'master key id')
    .requiredOption('--station <id>', 'provisioning station id')
    .requiredOption('--out <file>', 'sealed export file to write')
    .option('--serials <file>', 'badge serials, one per line')
    .option('--range <pattern>', 'badge serials as PREFIX{FROM..TO}')
    .option('--station-key <file>', "seal to the station's key file")
    .option('--export-passphrase-env <VAR>', 'seal to a passphrase held in this environment variable')
    .action(
      guarded(
        io,
        (
          o: StoreOptions & {
            master: string;
            station: string;
            out: string;
            serials?: string;
            range?: string;
            stationKey?: string;
            exportPassphraseEnv?: string;
          },
        ) => {
          if (!!o.stationKey === !!o.exportPassphraseEnv)
            throw new BadgewireError(
              'E_KEY_INPUT',
              'give exactly one of --station-key FILE or --export-passphrase-env VAR',
              {},
            );
          const to = o.stationKey
            ? readSecretFile(o.stationKey)
            : secretFromEnv(io.env, o.exportPassphraseEnv!);
          const serials = serialsFrom(o);
          const file = exportBadgeKeys(openStore(o, io), {
            masterKeyId: o.master,
            stationId: o.station,
            serials,
            to,
            now: io.now,
          });
          mkdirSync(dirname(o.out), { recursive: true, mode: 0o700 });
          writeFileAtomic(o.out, file);
          io.out(`exported keys of ${serials.length} badge(s) for station ${o.station} to ${o.out}`);
        },
      ),
    );

  addStoreOptions(
    keys
      .command('create-reader')
      .description('create a link key for a reader; writes it to --out for USB provisioning'),
  )
    .requiredOption('--reader <id>', 'reader device id')
    .requiredOption('--out <file>', 'file to receive the key (hex, mode 0600)')
    .action(
      guarded(io, (o: StoreOptions & { reader: string; out: string }) => {
        const r = openStore(o, io).createReaderKey(o.reader);
        writeKeyFile(o.out, r.key);
        io.out(`reader key ${r.summary.id} for ${o.reader} fingerprint ${r.summary.fingerprint} (issued)`);
      }),
    );

  addStoreOptions(keys.command('rotate').description("start rotating a reader's link key"))
    .requiredOption('--reader <id>', 'reader device id')
    .requiredOption('--out <file>', 'file to receive the new key (hex, mode 0600)')
    .action(
      guarded(io, (o: StoreOptions & { reader: string; out: string }) => {
        const r = openStore(o, io).rotateReaderKey(o.reader);
        writeKeyFile(o.out, r.key);
        io.out(
          `reader key ${r.summary.id} for ${o.reader} fingerprint ${r.summary.fingerprint} (issued; old key rotating)`,
        );
      }),
    );

  addStoreOptions(keys.command('activate').description('mark a reader key active (retires the rotating one)'))
    .argument('<keyId>')
    .action(
      guarded(io, (keyId: string, o: StoreOptions) => {
        openStore(o, io).activateReaderKey(keyId);
        io.out(`key ${keyId} active`);
      }),
    );

  addStoreOptions(keys.command('revoke').description('revoke a key'))
    .argument('<keyId>')
    .action(
      guarded(io, (keyId: string, o: StoreOptions) => {
        openStore(o, io).revoke(keyId);
        io.out(`key ${keyId} revoked`);
      }),
    );

  addStoreOptions(keys.command('create-api').description('create an API client key; writes it to --out'))
    .requiredOption('--client <id>', 'API client id')
    .requiredOption('--out <file>', 'file to receive the key (hex, mode 0600)')
    .action(
      guarded(io, (o: StoreOptions & { client: string; out: string }) => {
        const r = openStore(o, io).createApiKey(o.client);
        writeKeyFile(o.out, r.key);
        io.out(`api key ${r.summary.id} for ${o.client} fingerprint ${r.summary.fingerprint}`);
      }),
    );

  addStoreOptions(keys.command('list').description('list keys: id, kind, owner, state, fingerprint'))
    .option('--json', 'print JSON')
    .action(
      guarded(io, (o: StoreOptions & { json?: boolean }) => {
        const list = openStore(o, io).list();
        if (o.json) {
          io.out(JSON.stringify(list));
          return;
        }
        for (const k of list)
          io.out(
            [
              k.id,
              k.kind,
              k.owner ?? k.label ?? '-',
              k.state,
              k.fingerprint,
              new Date(k.createdAt).toISOString(),
            ].join('\t'),
          );
      }),
    );
  return keys;
}
