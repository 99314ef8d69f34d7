/**
 * `npm run fuzz` (FUZZ_RUNS=1 000 000, vitest project "fuzz", which collects only *.fuzz.ts): the same decoder
 * properties that run with 100 000 inputs each in every `npm test`, from one place.
 */
import './frame-fuzz.test';
import './cbor-fuzz.test';
import './messages-fuzz.test';
