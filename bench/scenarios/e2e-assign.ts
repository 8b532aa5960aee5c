import { setTimeout as delay } from 'node:timers/promises';
import type { BenchEnv } from '../env';
import { cpuBetween, describeCpu, sampleCpu } from '../env';
import { fillQueues, queueIds, seedAgents, seedQueues, startConversation } from '../fixtures';
import type { Knobs } from '../knobs';
import type { ScenarioResult } from '../report';
import { capNote } from '../report';
import { describeBreakdown, historyBreakdown } from '../profile';
import { describeTimings, snapshotTimings, timingsSince } from '../store-timing';
import { count, ms, percentile, perMinute, runCapped } from '../stats';
import { QUOTA_PER_MINUTE } from './store-dispatch';

const POLL_MS = 500;

/**
 * Scenario 3b: N real conversation workflows started as fast as the client
 * allows (bounded concurrency) into 100 queues whose agents all have room;
 * assignments per minute from the first start call to the last Active.
 */
export async function e2eAssignScenario(env: BenchEnv, k: Knobs): Promise<ScenarioResult> {
  const queues = queueIds('tp', k.storeQueues);
  const t0 = performance.now();
  await seedQueues(env.store, queues);
  await seedAgents(env.store, 'tp', k.e2eAgents, (i) => [queues[i % queues.length] ?? '']);
  // The waiting backlog sits in scenario 2's other queues (no agents there, no workflows, never dispatched).
  const backlog = queueIds('depth', 100);
  await seedQueues(env.store, backlog);
  await fillQueues(env.store, 'backlog', backlog, k.depthLarge, Math.max(k.depthLarge, k.e2eBacklog));
  const seedMs = performance.now() - t0;

  const n = k.e2eConversations;
  const taskQueue = env.config.temporal.taskQueue;
  const pending = new Set<string>();
  const activeAt = new Map<string, number>();
  const timings0 = snapshotTimings(env.timings);
  const cpu0 = sampleCpu();
  const firstStart = Date.now();
  let startsDone = 0;
  const starting = runCapped(n, k.e2eStartConcurrency, k.capMs, async (i) => {
    const id = `tp-${i}`;
    pending.add(id);
    await startConversation(env.client, taskQueue, id, queues[i % queues.length] ?? '');
    startsDone += 1;
  });
  let startsOver = false;
  void starting.finally(() => (startsOver = true));
  const runStarted = performance.now();
  // Bounded by the cap; each poll reads only the conversations not yet seen Active.
  while (performance.now() - runStarted < k.capMs && (!startsOver || pending.size > 0)) {
    await delay(POLL_MS);
    for (const id of [...pending]) {
      const view = await env.store.getConversation(id);
      if (view?.state === 'Active') {
        pending.delete(id);
        activeAt.set(id, Date.parse(view.stateEnteredAt));
      }
    }
  }
  const starts = await starting;
  const cpu = cpuBetween(cpu0, sampleCpu());
  const storeUse = timingsSince(env.timings, timings0);
  const assigned = activeAt.size;
  const lastActive = Math.max(...activeAt.values());
  const span = assigned > 0 ? lastActive - firstStart : Number.NaN;
  const rate = perMinute(assigned, span);
  const startRate = perMinute(starts.results.length, starts.elapsedMs);
  const waits = [...activeAt.values()].map((at) => at - firstStart);
  const sample = [...activeAt.keys()].slice(0, 20).map((id) => `conversation-${id}`);
  const profile = await historyBreakdown(env.client, sample);
  const dispatcher = await historyBreakdown(env.client, [`queue-dispatcher-${queues[0] ?? ''}`]);
  const name = '3b End to end via Temporal';
  const capped = assigned < n;
  return {
    rows: [
      {
        scenario: name,
        figure: `assignments/min (${count(assigned)} of ${count(n)} workflows)`,
        value: count(rate),
        target: `>= ${count(QUOTA_PER_MINUTE)}`,
        met: rate >= QUOTA_PER_MINUTE,
      },
      { scenario: name, figure: 'client starts/min (same run)', value: count(startRate) },
    ],
    notes: [
      `end to end: ${count(n)} conversation workflows started (${k.e2eStartConcurrency} start calls in flight) into ${queues.length} queues with ${count(k.e2eAgents)} Available agents (capacity 100, 1 queue each); the store also holds ${count(Math.max(k.depthLarge, k.e2eBacklog))} waiting entries in 100 other queues (store rows, no workflows) and everything earlier scenarios left; seeding took ${(seedMs / 1000).toFixed(1)} s`,
      `includes per conversation: start, lifecycle-config, check-queue and enqueue activities, the dispatcher poke, a dispatch round (store match + assign signal), the claim and read-model activities; span = first start call -> last Active transition (workflow clock) = ${ms(span)}; starts took ${ms(starts.elapsedMs)}`,
      `time to Active after the first start: p50 ${ms(percentile(waits, 50))}, max ${ms(Math.max(...waits))}; ${describeCpu(cpu)}`,
      describeTimings(storeUse, span),
      ...describeBreakdown('conversation histories (first 20 assigned)', profile),
      ...describeBreakdown(`dispatcher of ${queues[0] ?? ''} (latest run only)`, dispatcher),
      ...(starts.failures ? [`${starts.failures} start calls failed: ${starts.firstError}`] : []),
      ...(capped ? [capNote('end-to-end assignment', assigned, n, performance.now() - runStarted)] : []),
      ...(startsDone < n ? [`only ${startsDone} of ${n} start calls completed`] : []),
    ],
  };
}
