// `npm run bench`: runs every <package>/bench/*.bench.ts in its own process (so one bench's heap and JIT state
// do not colour the next) and prints their tables. Each bench prints rows through protocol/bench/report.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const only = process.argv[2];
const files = [];
for (const pkg of ['protocol', 'firmware', 'host', 'simulator']) {
  const dir = join(pkg, 'bench');
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).sort()) if (f.endsWith('.bench.ts')) files.push(join(dir, f));
}
let failed = 0;
for (const f of files) {
  if (only && !f.includes(only)) continue;
  console.log(`\n## ${f}`);
  const r = spawnSync(process.execPath, ['--conditions=source', '--expose-gc', '--import', 'tsx', f], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
if (failed) {
  console.error(`${failed} bench file(s) crashed`);
  process.exit(1);
}
