/** Unlocking the key store from operator-supplied material: a key file, or a passphrase in an env variable. */
import { readFileSync } from 'node:fs';
import { BadgewireError } from '../errors';
import { KeyStore } from './key-store';
import type { Secret } from './sealed-file';

export function readSecretFile(path: string): Secret {
  try {
    return { keyFileBytes: new Uint8Array(readFileSync(path)) };
  } catch (e) {
    throw new BadgewireError('E_KEYSTORE_SECRET', 'cannot read the key file', {}, { cause: e });
  }
}

export function secretFromEnv(env: NodeJS.ProcessEnv, name: string): Secret {
  const v = env[name];
  if (!v)
    throw new BadgewireError(
      'E_KEYSTORE_SECRET',
      `set the passphrase in the environment variable ${name}`,
      {},
    );
  return { passphrase: v };
}

export interface KeyStoreLocation {
  path: string;
  keyFile?: string;
  passphraseEnv: string;
}

export function openKeyStoreAt(loc: KeyStoreLocation, env: NodeJS.ProcessEnv, now?: () => number): KeyStore {
  const secret = loc.keyFile ? readSecretFile(loc.keyFile) : secretFromEnv(env, loc.passphraseEnv);
  return KeyStore.open(loc.path, secret, { now });
}
