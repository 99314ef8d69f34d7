/**
 * Replay state that must survive a host restart: the high-water mark of each badge's tap counter (and of
 * each passive tag's SUN counter). The resolver keeps a typed-array copy for speed and writes through to
 * this port on every accepted tap; the host backs it with its durable journal.
 *
 * Contract: `save` is called synchronously before the verification returns ok. An implementation that
 * persists asynchronously must hold the decision that depends on the tap until the write is durable;
 * otherwise a crash could re-open a counter value an attacker has already seen.
 */
export interface CounterStore {
  /** The highest counter accepted so far for this opaque ref, or -1 when none. */
  load(ref: string): number;
  /** Records `ctr` (greater than any earlier value) as the new high-water mark for `ref`. */
  save(ref: string, ctr: number): void;
}

/** In-memory store: tests, the simulator, and a host that journals `save` calls itself. */
export class MemoryCounterStore implements CounterStore {
  private readonly m = new Map<string, number>();
  load(ref: string): number {
    return this.m.get(ref) ?? -1;
  }
  save(ref: string, ctr: number): void {
    this.m.set(ref, ctr);
  }
  get size(): number {
    return this.m.size;
  }
}
