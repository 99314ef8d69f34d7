/**
 * `npm run fuzz` (FUZZ_RUNS=1000000): the BW-SC decoder properties (both channel roles' packet, handshake and
 * record parsing, and the session's body handling) at the larger run count. The suites are the unit ones;
 * importing them registers their tests in the fuzz project.
 */
import './channel-fuzz.test';
import './session-fuzz.test';
