/**
 * The integrator's entitlement and revocation updates, kept in the tenant's own SQLite file (table
 * `policy_updates`, next to its journal) so a bridge restart applies them again, and so a tenant backup
 * carries them. Attendee references are the only subject, and even they are not stored in the clear: the
 * row key is an HMAC of the reference (one row per reference and kind: the latest update wins) and the
 * body is sealed with AES-256-GCM under a key derived from the tenant's journal data key, bound by its
 * AAD to the tenant, the kind and the row key (a body moved to another row or tenant does not open).
 */
import { createHmac, hkdfSync } from 'node:crypto';
import type Database from 'better-sqlite3';
import { BadgewireError } from '../errors';
import { open, seal, utf8 } from '../keys/aead';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS policy_updates (
  k BLOB PRIMARY KEY,
  kind TEXT NOT NULL,
  at INTEGER NOT NULL,
  body BLOB NOT NULL
) WITHOUT ROWID;
`;

export interface StoredEntitlement {
  ref: string;
  doors: string[];
  /** ms since the epoch */
  validFrom: number;
  validUntil: number;
}

export interface StoredRevocation {
  ref: string;
  reason: string;
  effectiveAt: number;
}

type Kind = 'entitlement' | 'revocation';

function derive(dataKey: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, new Uint8Array(0), info, 32));
}

export class PolicyStore {
  private readonly sealKey: Uint8Array;
  private readonly refKey: Buffer;
  private readonly put: Database.Statement;
  private readonly byKind: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly tenant: string,
    dataKey: Uint8Array,
    private readonly now: () => number = Date.now,
  ) {
    this.sealKey = new Uint8Array(derive(dataKey, 'bw-policy-seal-v1'));
    this.refKey = derive(dataKey, 'bw-policy-ref-v1');
    db.exec(SCHEMA);
    this.put = db.prepare(
      'INSERT INTO policy_updates (k, kind, at, body) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (k) DO UPDATE SET at = excluded.at, body = excluded.body',
    );
    this.byKind = db.prepare('SELECT k, body FROM policy_updates WHERE kind = ? ORDER BY at, k');
  }

  putEntitlement(e: StoredEntitlement): void {
    this.write('entitlement', e.ref, {
      ref: e.ref,
      doors: e.doors,
      validFrom: e.validFrom,
      validUntil: e.validUntil,
    });
  }

  putRevocation(r: StoredRevocation): void {
    this.write('revocation', r.ref, { ref: r.ref, reason: r.reason, effectiveAt: r.effectiveAt });
  }

  entitlements(): StoredEntitlement[] {
    return this.read('entitlement') as unknown as StoredEntitlement[];
  }

  revocations(): StoredRevocation[] {
    return this.read('revocation') as unknown as StoredRevocation[];
  }

  private key(kind: Kind, ref: string): Buffer {
    return createHmac('sha256', this.refKey).update(`${kind}\n${ref}`).digest().subarray(0, 16);
  }

  private aad(kind: Kind, k: Uint8Array): Uint8Array {
    const head = utf8(`bw-policy-v1\n${this.tenant}\n${kind}\n`);
    const out = new Uint8Array(head.length + k.length);
    out.set(head, 0);
    out.set(k, head.length);
    return out;
  }

  private write(kind: Kind, ref: string, body: Record<string, unknown>): void {
    const k = this.key(kind, ref);
    const sealed = seal(this.sealKey, utf8(JSON.stringify(body)), this.aad(kind, k));
    try {
      this.put.run(k, kind, this.now(), Buffer.from(sealed));
    } catch (e) {
      throw new BadgewireError(
        'E_STATE_IO',
        'cannot store the policy update; check the data dir',
        { tenant: this.tenant },
        { cause: e },
      );
    }
  }

  private read(kind: Kind): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const row of this.byKind.all(kind) as { k: Buffer; body: Buffer }[]) {
      const k = new Uint8Array(row.k);
      const plain = open(this.sealKey, new Uint8Array(row.body), this.aad(kind, k));
      if (!plain)
        throw new BadgewireError(
          'E_STATE_CORRUPT',
          'a stored policy update failed authentication: the tenant file was altered or belongs to another key store',
          { tenant: this.tenant },
        );
      out.push(JSON.parse(Buffer.from(plain).toString('utf8')) as Record<string, unknown>);
    }
    return out;
  }
}
