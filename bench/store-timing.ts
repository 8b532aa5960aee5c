import type { Store } from '../src/store/store';
import { count, ms } from './stats';

/** Calls and time spent per store method. */
export type StoreTimings = Map<string, { calls: number; ms: number }>;

/**
 * Wraps a store so every method call is counted and timed (the SQLite store
 * works synchronously, so the time is the transaction itself). The worker gets
 * the wrapped store; the benchmark's own reads and seeding use the raw one.
 */
export function timedStore(
  store: Store,
  observe?: (name: string, args: unknown[], result: unknown) => void,
): { store: Store; timings: StoreTimings } {
  const timings: StoreTimings = new Map();
  const record = (name: string, started: number): void => {
    const entry = timings.get(name) ?? { calls: 0, ms: 0 };
    entry.calls += 1;
    entry.ms += performance.now() - started;
    timings.set(name, entry);
  };
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        const started = performance.now();
        const result: unknown = value.apply(target, args);
        if (result instanceof Promise) {
          return result.then(
            (settled: unknown) => {
              record(prop, started);
              observe?.(prop, args, settled);
              return settled;
            },
            (error: unknown) => {
              record(prop, started);
              throw error;
            },
          );
        }
        record(prop, started);
        observe?.(prop, args, result);
        return result;
      };
    },
  });
  return { store: wrapped, timings };
}

/** Total store milliseconds in a set of counters. */
export function totalMs(used: { ms: number }[]): number {
  return used.reduce((sum, t) => sum + t.ms, 0);
}

/** A copy of the counters, to subtract later. */
export function snapshotTimings(timings: StoreTimings): StoreTimings {
  return new Map([...timings].map(([name, t]) => [name, { ...t }]));
}

/** Counters accumulated since `before`, busiest first. */
export function timingsSince(timings: StoreTimings, before: StoreTimings): { name: string; calls: number; ms: number }[] {
  return [...timings]
    .map(([name, t]) => ({ name, calls: t.calls - (before.get(name)?.calls ?? 0), ms: t.ms - (before.get(name)?.ms ?? 0) }))
    .filter((t) => t.calls > 0)
    .sort((a, b) => b.ms - a.ms);
}

/** One line: total store time in the worker, its share of `wallMs`, and the busiest methods. */
export function describeTimings(used: { name: string; calls: number; ms: number }[], wallMs: number): string {
  const total = used.reduce((sum, t) => sum + t.ms, 0);
  const each = used.map((t) => `${t.name} ${count(t.calls)} calls ${ms(t.ms)} (${ms(t.ms / t.calls)} each)`).join(', ');
  return `store time in the worker: ${ms(total)} (${((total / wallMs) * 100).toFixed(1)}% of ${ms(wallMs)} wall): ${each}`;
}
