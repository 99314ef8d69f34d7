/**
 * The host's reader keys for the simulator: the ReaderKeyring life cycle (issued -> active -> rotating ->
 * revoked) in memory, keys drawn from the run's seeded CSPRNG stand-in so a seed replays the same keys.
 * On a real bridge the sealed KeyStore backs the keyring; here it stands for that store, surviving a crash.
 */

// Not exported from @badgewire/host's entry yet: read from source (see host.ts).
import type { ReaderKey, ReaderKeyring } from '@badgewire/host';
import type { Random } from '@badgewire/protocol';

export class SimKeyring implements ReaderKeyring {
  private readonly m = new Map<string, ReaderKey[]>();
  private n = 0;

  constructor(private readonly rnd: Random) {}

  keys(readerId: string): ReaderKey[] {
    return (this.m.get(readerId) ?? []).filter((k) => k.state !== 'revoked').reverse();
  }

  create(readerId: string): ReaderKey {
    const key = new Uint8Array(32);
    this.rnd.fill(key);
    const k: ReaderKey = { id: `rk-${++this.n}`, state: 'issued', key };
    const list = this.m.get(readerId) ?? [];
    list.push(k);
    this.m.set(readerId, list);
    return k;
  }

  rotate(readerId: string): ReaderKey {
    for (const k of this.m.get(readerId) ?? [])
      if (k.state === 'active' || k.state === 'issued') k.state = 'rotating';
    return this.create(readerId);
  }

  activate(keyId: string): void {
    for (const list of this.m.values()) {
      if (!list.some((k) => k.id === keyId)) continue;
      for (const k of list) {
        if (k.id === keyId) k.state = 'active';
        else if (k.state === 'rotating') k.state = 'revoked';
      }
    }
  }

  /** An operator reports the reader stolen: every key of it is revoked. */
  revokeAll(readerId: string): void {
    for (const k of this.m.get(readerId) ?? []) k.state = 'revoked';
  }
}
