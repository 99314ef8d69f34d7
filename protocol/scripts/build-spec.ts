/** Assembles protocol/SPEC.md from the chapters in protocol/spec/ (sorted by their numeric prefix). */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function assembleSpec(): string {
  const dir = join(root, 'spec');
  const parts = readdirSync(dir)
    .filter((f) => /^\d\d-.*\.md$/.test(f))
    .sort();
  return `${parts.map((f) => readFileSync(join(dir, f), 'utf8').trimEnd()).join('\n\n')}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(join(root, 'SPEC.md'), assembleSpec());
  console.log('protocol/SPEC.md assembled');
}
