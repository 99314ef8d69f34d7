/**
 * CI runs every property with one fixed fast-check seed, so `npm test` is reproducible: a run that passed
 * passes again. `npm run fuzz` (FUZZ_RUNS set) keeps fast-check's random seeds to explore new inputs; a
 * failure there prints its seed, which `FC_SEED=<seed> npx vitest run <file>` replays.
 */
import fc from 'fast-check';

const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : undefined;
if (seed !== undefined) fc.configureGlobal({ seed });
else if (process.env.FUZZ_RUNS === undefined) fc.configureGlobal({ seed: 20261123 });
