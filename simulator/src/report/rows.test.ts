import { describe, expect, it } from 'vitest';
import type { RunResult } from '../world/runner';
import { renderHtml } from './html';
import { formatSummary } from './summary';

function run(): RunResult {
  return {
    scenario: 'rows-venue',
    seed: 3,
    badges: 12,
    readers: 2,
    durationS: 600,
    wallMs: 1234,
    totals: {
      sightings: 4321,
      resolved: 4300,
      taps: 77,
      allow: 61,
      deny: 16,
      leads: 9,
      presenceEnter: 14,
      presenceIntervals: 11,
      relayFlags: 2,
      journaled: 4398,
      lost: 0,
      decisionMismatches: 0,
    },
    denyReasons: { E_NOT_ENTITLED: 12, E_REPLAY: 4 },
    tapRefusals: { E_TAP_MAC: 3 },
    unresolved: { unknown: 21 },
    firmwareBadges: { running: 3, heard: 3, resolved: 2 },
    linkFaults: {},
    series: [{ sightings: 5, taps: 1, allow: 1, deny: 0 }],
    latencyMs: [4, 1, 3, 2],
    faults: [
      {
        kind: 'power-loss',
        target: 'door-q',
        atS: 300,
        injected: 1,
        detected: 1,
        ok: true,
        detail: 'reader back after 60 s',
      },
    ],
    readerHealth: [
      {
        reader: 'door-q',
        role: 'door',
        firmware: true,
        online: true,
        sightings: 812,
        taps: 40,
        decisions: 39,
        handshakes: 2,
        reboots: 1,
        linkFaults: 0,
        outbox: 0,
        stolen: false,
      },
      {
        reader: 'booth-z',
        role: 'booth',
        firmware: false,
        online: false,
        sightings: 93,
        taps: 37,
        decisions: 37,
        handshakes: 1,
        reboots: 0,
        linkFaults: 5,
        outbox: 0,
        stolen: true,
      },
    ],
    audit: { ok: true, hits: [], places: 10, bytesScanned: 100, patterns: 50 },
    dataDir: '/nonexistent',
  } as RunResult;
}

/** Cells of the text table row that starts with `first`, split on runs of 2+ spaces. */
function textRow(text: string, first: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith(`${first} `)) ?? '';
  return line.split(/ {2,}/).map((c) => c.trim());
}

/** Cells of the HTML table row whose first cell is `first`. */
function htmlRow(html: string, first: string): string[] {
  const row = html.split('<tr>').find((r) => r.startsWith(`<td>${first}</td>`)) ?? '';
  return [...row.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1] as string);
}

describe('report rows: one model, two renderers', () => {
  const r = run();
  const text = formatSummary(r);
  const html = renderHtml(r);

  it('renders each reader row with the same cells in the summary and the HTML', () => {
    expect(textRow(text, 'door-q')).toEqual([
      'door-q',
      'door',
      'firmware',
      'online',
      '812',
      '40',
      '39',
      '2',
      '1',
      '0',
      '0',
    ]);
    expect(htmlRow(html, 'booth-z')).toEqual([
      'booth-z',
      'booth',
      'model',
      'revoked',
      '93',
      '37',
      '37',
      '1',
      '0',
      '5',
      '0',
    ]);
    expect(htmlRow(html, 'door-q')).toEqual(textRow(text, 'door-q'));
    expect(htmlRow(html, 'booth-z')).toEqual(textRow(text, 'booth-z'));
  });

  it('renders faults and metrics identically, deny reasons sorted by count', () => {
    expect(htmlRow(html, 'power-loss')).toEqual(textRow(text, 'power-loss'));
    expect(textRow(text, 'power-loss')).toEqual([
      'power-loss',
      'door-q',
      '300',
      '1',
      '1',
      'ok',
      'reader back after 60 s',
    ]);
    expect(htmlRow(html, 'decisions deny')).toEqual([
      'decisions deny',
      '16',
      '(E_NOT_ENTITLED 12, E_REPLAY 4)',
    ]);
    expect(textRow(text, 'decisions deny')).toEqual(htmlRow(html, 'decisions deny'));
    expect(htmlRow(html, 'sightings')).toEqual(['sightings', '4321', '4300 resolved (unknown 21)']);
    expect(htmlRow(html, 'journal')).toEqual(textRow(text, 'journal'));
  });
});
