/**
 * Shared CLI plumbing: where output goes (injected, so tests read it), how the key store is located and
 * unlocked (a key file, or a passphrase from an environment variable: never a command-line argument, which
 * `ps` would show), and one error printer that shows a BadgewireError's message and code, nothing else.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/index';
import { BadgewireError } from '../errors';
import { KeyStore, readSecretFile, secretFromEnv } from '../keys/index';
import type { Secret } from '../keys/sealed-file';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  now: () => number;
}

export const processIo: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  env: process.env,
  now: Date.now,
};

export const DEFAULT_PASSPHRASE_ENV = 'BADGEWIRE_KEYSTORE_PASSPHRASE';

export interface StoreOptions {
  config?: string;
  store?: string;
  keyFile?: string;
  passphraseEnv?: string;
}

export function addStoreOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'bridge config file (supplies the key store location)')
    .option('--store <file>', 'sealed key store file')
    .option('--key-file <file>', 'unlock with this key file (>= 32 random bytes) instead of a passphrase')
    .option(
      '--passphrase-env <VAR>',
      `environment variable holding the passphrase (default ${DEFAULT_PASSPHRASE_ENV})`,
    );
}

export function storeLocation(o: StoreOptions, io: CliIo): { path: string; secret: () => Secret } {
  let path = o.store;
  let keyFile = o.keyFile;
  let env = o.passphraseEnv;
  if (o.config) {
    const c = loadConfig(o.config);
    path ??= c.keyStore.path;
    keyFile ??= c.keyStore.keyFile;
    env ??= c.keyStore.passphraseEnv;
  }
  if (!path) throw new BadgewireError('E_KEYSTORE_MISSING', 'give --store FILE or --config FILE', {});
  return {
    path,
    secret: () => (keyFile ? readSecretFile(keyFile) : secretFromEnv(io.env, env ?? DEFAULT_PASSPHRASE_ENV)),
  };
}

export function openStore(o: StoreOptions, io: CliIo): KeyStore {
  const loc = storeLocation(o, io);
  return KeyStore.open(loc.path, loc.secret(), { now: io.now });
}

/** Runs an action, turning a BadgewireError into one clean line and exit code 1. */
export function guarded<A extends unknown[]>(
  io: CliIo,
  fn: (...args: A) => void | Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      if (!(e instanceof BadgewireError)) throw e;
      io.err(`error: ${e.message}`);
      process.exitCode = 1;
    }
  };
}
