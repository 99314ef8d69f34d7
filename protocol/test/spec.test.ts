import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assembleSpec } from '../scripts/build-spec';

describe('protocol/SPEC.md', () => {
  it('is the current assembly of protocol/spec/*.md (run: npm run spec -w @badgewire/protocol)', () => {
    const spec = readFileSync(new URL('../SPEC.md', import.meta.url), 'utf8');
    expect(spec === assembleSpec()).toBe(true);
  });

  it('covers every chapter the issue requires', () => {
    const spec = assembleSpec();
    for (const heading of [
      '## 10. Keys',
      '### 10.2 Key hierarchy',
      '### 10.4 BLE presence advertisement',
      '### 10.5 NFC tap frame',
      '### 10.6 Passive NTAG 424 DNA',
      '## 20. Framing',
      '### 20.5 Message table',
      '### 20.7 Error codes',
      '## 30. BW-SC',
      '### 30.3 Handshake',
      '### 30.8 Provisioning and rekey',
    ]) {
      expect(spec, heading).toContain(heading);
    }
  });
});
