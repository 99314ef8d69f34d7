/** Loads the published vectors in ../shared/vectors (read-only, beside the repository). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const SHARED_VECTORS = join(here, '..', '..', '..', 'shared', 'vectors');

// biome-ignore lint/suspicious/noExplicitAny: vector files are heterogeneous JSON checked field by field
export function sharedVector(name: string): any {
  return JSON.parse(readFileSync(join(SHARED_VECTORS, name), 'utf8'));
}
