/** Barrel for protocol/src/resolver (host entry). */
export { type ChallengeCheck, ChallengeIssuer } from './challenges';
export { type CounterStore, MemoryCounterStore } from './counters';
export { Resolver, type ResolverOptions, type Sighting, type TapAccepted } from './resolver';
export { EphTable } from './table';
