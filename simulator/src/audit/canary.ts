/**
 * Canary PII: unique, recognisable personal data planted on every simulated attendee, badge and tag. The audit
 * then looks for every canary everywhere a reader, the air or the host could have kept it. A canary is test data
 * only; it exists in the simulator's attendee registry (the "CRM"), never in a reader.
 */
export type CanaryKind = 'name' | 'email' | 'phone' | 'company' | 'attendee-id' | 'badge-serial' | 'nfc-uid';

export interface Canary {
  /** Which attendee/badge it belongs to, for the report ("attendee 17"). Not itself PII. */
  owner: string;
  kind: CanaryKind;
  /** Text canaries are searched in text encodings; byte canaries (serials, UIDs) in byte encodings too. */
  value: string | Uint8Array;
}

/** Deterministic canaries for attendee `i` of a run: unique per run seed so runs never cross-contaminate. */
export function attendeeCanaries(
  i: number,
  seedTag: string,
  serial: Uint8Array,
  nfcUid: Uint8Array,
): Canary[] {
  const owner = `attendee ${i}`;
  const tag = `${seedTag}${i.toString(36).padStart(4, '0')}`;
  return [
    { owner, kind: 'name', value: `Canaryname Zq${tag}` },
    { owner, kind: 'email', value: `zq.${tag}@canary-mail.example` },
    {
      owner,
      kind: 'phone',
      value: `+44 7700 9${String(100000 + (i % 900000)).padStart(6, '0')}${tag.slice(-2)}`,
    },
    { owner, kind: 'company', value: `Zq${tag} Canary Holdings` },
    { owner, kind: 'attendee-id', value: `ATT-${tag}` },
    { owner, kind: 'badge-serial', value: serial },
    { owner, kind: 'nfc-uid', value: nfcUid },
  ];
}
