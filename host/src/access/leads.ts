/**
 * Lead capture: a verified tap at a booth reader becomes one lead per exhibitor and attendee ref. Repeated
 * taps are de-duplicated (the first capture time is kept); a later tap may change the qualifier, which the
 * caller sees as `updated`. Only opaque refs and a qualifier from a fixed vocabulary: no free text, so no
 * personal data can enter through this path. Time injected.
 */
import { BadgewireError } from '../errors';

export interface LeadEvent {
  exhibitor: string;
  attendeeRef: string;
  atMs: number;
  qualifier: string | null;
}

export interface LeadResult {
  event: LeadEvent;
  /** True for the first capture of this exhibitor + attendee. */
  fresh: boolean;
  /** True when a repeat changed the qualifier. */
  updated: boolean;
}

export const DEFAULT_QUALIFIERS = ['hot', 'warm', 'cold'];

export class LeadCapture {
  private readonly leads = new Map<string, LeadEvent>();
  private readonly qualifiers: Set<string>;

  constructor(qualifiers: string[] = DEFAULT_QUALIFIERS) {
    this.qualifiers = new Set(qualifiers);
  }

  capture(exhibitor: string, attendeeRef: string, atMs: number, qualifier: string | null = null): LeadResult {
    if (qualifier !== null && !this.qualifiers.has(qualifier))
      throw new BadgewireError(
        'E_LEAD_QUALIFIER',
        'unknown lead qualifier; use one of the configured values',
        {
          allowed: [...this.qualifiers],
        },
      );
    const key = exhibitor + '\u0000' + attendeeRef;
    const had = this.leads.get(key);
    if (had === undefined) {
      const ev = { exhibitor: exhibitor, attendeeRef: attendeeRef, atMs: atMs, qualifier: qualifier };
      this.leads.set(key, ev);
      return { event: { ...ev }, fresh: true, updated: false };
    }
    const updated = qualifier !== null && qualifier !== had.qualifier;
    if (updated) had.qualifier = qualifier;
    return { event: { ...had }, fresh: false, updated: updated };
  }

  /** The leads of one exhibitor, in capture order. */
  forExhibitor(exhibitor: string): LeadEvent[] {
    const out: LeadEvent[] = [];
    for (const ev of this.leads.values()) if (ev.exhibitor === exhibitor) out.push({ ...ev });
    return out;
  }
}
