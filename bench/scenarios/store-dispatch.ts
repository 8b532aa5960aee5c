import { join } from 'node:path';
import { createStore } from '../../src/store';
import { DISPATCH_BATCH } from '../../workflows/queue-dispatcher';
import type { BenchEnv } from '../env';
import { fillQueues, queueIds, seedAgents, seedQueues, yieldToEventLoop } from '../fixtures';
import type { Knobs } from '../knobs';
import type { ScenarioResult } from '../report';
import { capNote } from '../report';
import { count, ms, percentile, perMinute } from '../stats';

/** Dynamics 365's published default-assignment quota: assignments per minute. */
export const QUOTA_PER_MINUTE = 5_000;

/**
 * Scenario 3: the store's atomic matching alone, in its own SQLite file.
 * Agents belong to two queues each; every queue is served in turn with
 * store.dispatch(queue, DISPATCH_BATCH), as the dispatcher workflows would,
 * until no queue yields a match, N matches are made, or the time cap hits.
 */
export async function storeDispatchScenario(env: BenchEnv, k: Knobs): Promise<ScenarioResult> {
  const store = await createStore({ sqliteFile: join(env.dir, 'dispatch-only.sqlite') });
  try {
    const queues = queueIds('sd', k.storeQueues);
    const t0 = performance.now();
    await seedQueues(store, queues);
    const q = queues.length;
    await seedAgents(store, 'sd', k.storeAgents, (i) => [...new Set([queues[i % q] ?? '', queues[(i * 7 + 3) % q] ?? ''])]);
    await fillQueues(store, 'sd', queues, 0, k.storeQueued);
    const seedMs = performance.now() - t0;

    const calls: number[] = [];
    let perCallMany = 0;
    let matched = 0;
    let capped = false;
    const started = performance.now();
    // Bounded: each pass over the queues either matches something or ends the loop.
    for (let pass = 0; pass <= k.storeQueued; pass++) {
      let thisPass = 0;
      for (const queueId of queues) {
        await yieldToEventLoop();
        const c0 = performance.now();
        const made = await store.dispatch(queueId, DISPATCH_BATCH);
        calls.push(performance.now() - c0);
        if (made.length > 1) perCallMany += 1;
        thisPass += made.length;
      }
      matched += thisPass;
      if (thisPass === 0 || matched >= k.storeQueued) break;
      if (performance.now() - started > k.storeCapMs) {
        capped = true;
        break;
      }
    }
    const elapsed = performance.now() - started;
    const rate = perMinute(matched, elapsed);
    const left = (await store.listQueues()).reduce((sum, x) => sum + x.depth, 0);
    const name = '3 Store matching alone';
    return {
      rows: [
        {
          scenario: name,
          figure: `assignments/min (${count(matched)} matches)`,
          value: count(rate),
        },
        {
          scenario: name,
          figure: `dispatch call p50 / p99 (limit ${DISPATCH_BATCH})`,
          value: `${ms(percentile(calls, 50))} / ${ms(percentile(calls, 99))}`,
        },
      ],
      notes: [
        `store only (no Temporal): own SQLite file, ${count(k.storeAgents)} agents (capacity 100, Available, 2 queues each), ${count(k.storeQueued)} queued (10 units) across ${q} queues; seeding took ${(seedMs / 1000).toFixed(1)} s`,
        `${count(matched)} matches in ${(elapsed / 1000).toFixed(2)} s over ${calls.length} dispatch calls; ${count(left)} entries left queued; includes choosing the agent, reserving and dequeuing, one transaction per call; excludes signalling the conversations`,
        `calls that made no more than one match: ${calls.length - perCallMany} of ${calls.length} (a head whose candidates all owe their room to a more deserving entry in another of their queues gives the roomiest of them that work instead, so a round goes on; a call makes one match or none only when the queue has little left that fits)`,
        ...(capped ? [capNote('store dispatch', matched, k.storeQueued, elapsed)] : []),
      ],
    };
  } finally {
    await store.close();
  }
}
