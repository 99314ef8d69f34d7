/**
 * Where reader link keys live, as the reader hub needs them. The bridge passes the sealed KeyStore
 * (`keyStoreKeyring`), whose life cycle is exactly the one BW-SC needs: issued (written over USB, not yet proven)
 * -> active (proven by a handshake) -> rotating (the previous key during a rekey, accepted for one more
 * handshake) -> revoked. A second live key can only come from a rotation: never silently re-keyed.
 */
import type { KeyState, KeyStore } from '../keys/index';

export interface ReaderKey {
  id: string;
  state: KeyState;
  key: Uint8Array;
}

export interface ReaderKeyring {
  /** Live keys of a reader, newest first. */
  keys(readerId: string): ReaderKey[];
  /** A first key for a reader that has none (the provisioning tool writes the bytes over USB). */
  create(readerId: string): ReaderKey;
  /** A new key for a rekey; the current one becomes `rotating`. */
  rotate(readerId: string): ReaderKey;
  /** The reader proved this key: it becomes active and any rotating key of the reader is revoked. */
  activate(keyId: string): void;
}

export function keyStoreKeyring(ks: KeyStore): ReaderKeyring {
  return {
    keys: (id) => ks.readerKeys(id),
    create: (id) => {
      const r = ks.createReaderKey(id);
      return { id: r.summary.id, state: 'issued', key: r.key };
    },
    rotate: (id) => {
      const r = ks.rotateReaderKey(id);
      return { id: r.summary.id, state: 'issued', key: r.key };
    },
    activate: (keyId) => ks.activateReaderKey(keyId),
  };
}
