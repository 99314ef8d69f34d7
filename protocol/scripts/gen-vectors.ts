/** `npm run vectors -w @badgewire/protocol`: rewrites protocol/vectors/*.json from the current code. */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildVectors } from './vectors-build';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors');
for (const [file, v] of Object.entries(buildVectors())) {
  writeFileSync(join(dir, file), JSON.stringify(v, null, 2) + '\n');
  console.log('wrote', join('protocol/vectors', file));
}
