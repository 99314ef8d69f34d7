/**
 * Where a bundle's bytes go: `npx tsx firmware/bench/breakdown.ts [board] [role]` prints each source module's
 * share of the minified bundle (esbuild metafile), largest first, so a byte cut goes where it pays.
 */
import { build } from 'esbuild';
import { esbuildOptions, type Role, readVersion } from '../build/bundle';
import type { BoardName } from '../build/subset-budget';

const board = (process.argv[2] ?? 'puckjs') as BoardName;
const role = (process.argv[3] ?? 'reader') as Role;
const r = await build({
  ...esbuildOptions(board, role, readVersion()),
  metafile: true,
  outfile: 'bundle.js',
});
const out = Object.values(r.metafile.outputs)[0];
if (!out) throw new Error('esbuild produced no output');
const rows = Object.entries(out.inputs)
  .map(([path, v]) => ({ bytes: v.bytesInOutput, path: path.replace(/^(\.\.\/)+/, '') }))
  .sort((a, b) => b.bytes - a.bytes);
let sum = 0;
for (const row of rows) {
  sum += row.bytes;
  console.log(`${String(row.bytes).padStart(6)}  ${row.path}`);
}
console.log(
  `${String(sum).padStart(6)}  (modules; bundle ${r.outputFiles[0]?.text.length ?? 0} B before the require shim)`,
);
