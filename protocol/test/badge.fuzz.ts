/**
 * `npm run fuzz` (FUZZ_RUNS=1000000): the badge-layer decoder properties at a million runs each. The suites
 * are the unit ones; importing them registers their tests in the fuzz project, with the larger run count.
 */
import './badge-decoders.test';
import './sun.test';
