/**
 * Runs async operations one at a time, in arrival order. Handlers of a workflow
 * interleave at every await; the lifecycle needs each operation to see the state
 * the previous one left (a pick must not race an end), so all of them go through
 * one serializer. Deterministic: it is plain promise chaining.
 */
export class Serializer {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** Queues `fn` behind everything already queued; resolves or rejects with its result. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    this.pending += 1;
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => (this.pending -= 1),
      () => (this.pending -= 1),
    );
    return result;
  }

  /** True when nothing is queued or running. */
  get idle(): boolean {
    return this.pending === 0;
  }
}
