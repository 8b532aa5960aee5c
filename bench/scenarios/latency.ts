import { WithStartWorkflowOperation } from '@temporalio/client';
import type { BenchEnv } from '../env';
import { BARE_TASK_QUEUE } from '../env';
import type { bareWorkflow } from '../workflows';
import { stepUpdate } from '../workflows';
import { fillQueues, queueIds, seedAgents, seedQueues, startConversation, UNITS } from '../fixtures';
import type { Knobs } from '../knobs';
import type { ScenarioResult } from '../report';
import { capNote } from '../report';
import { ms, percentile, runCapped } from '../stats';

const QUEUE = 'lat';
const WARM_UP = 5;

/** Latency samples of conversations started one at a time. */
export interface LatencySamples {
  /** Client start call -> the outbox records the Active state (commit time): what a watching screen is told. */
  wall: number[];
  /** The conversation's first store write (Open) -> its Active write, both commit times: the part inside the worker. */
  inWorker: number[];
  capped: string | null;
  failures: number;
  firstError: string | null;
}

/** Assignment latency targets (wall, start call -> Active). */
export const LATENCY_P50_TARGET_MS = 25;
export const LATENCY_P99_TARGET_MS = 60;
/** Target: assignment latency p50 over the bare workflow's start -> first workflow task completed p50. */
export const LATENCY_BARE_RATIO_TARGET = 1.3;
/** Target for the p50 ratio with many vs few queued elsewhere. */
export const DEPTH_RATIO_TARGET = 1.2;

/** Starts `n` conversations into the latency queue, one at a time, and times each to Active (from the outbox). */
export async function sampleLatency(env: BenchEnv, prefix: string, n: number, capMs: number): Promise<LatencySamples> {
  const wall: number[] = [];
  const inWorker: number[] = [];
  const taskQueue = env.config.temporal.taskQueue;
  const run = await runCapped(n, 1, capMs, async (i) => {
    const id = `${prefix}-${i}`;
    const t0 = Date.now();
    await startConversation(env.client, taskQueue, id, QUEUE);
    const active = await env.outbox.waitFor(id, 'Active', 30_000);
    const open = env.outbox.seen(id, 'Open');
    wall.push(active.at - t0);
    if (open) inWorker.push(active.at - open.at);
  });
  const capped = run.capped ? capNote(`${prefix} latency`, wall.length, n, run.elapsedMs) : null;
  return { wall, inWorker, capped, failures: run.failures, firstError: run.firstError };
}

/**
 * Start -> first workflow task completed of the bare workflow, one at a time,
 * as its client sees it: an update sent with the start is answered by the
 * first task (update-with-start), so the call returns when that task completes.
 */
async function sampleBareFirstTask(env: BenchEnv, n: number, capMs: number): Promise<number[]> {
  const wall: number[] = [];
  await runCapped(n, 1, capMs, async (i) => {
    const t0 = Date.now();
    await env.client.workflow.executeUpdateWithStart(stepUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation<typeof bareWorkflow>('bareWorkflow', {
        workflowId: `bare-first-task-${i}-${t0}`,
        taskQueue: BARE_TASK_QUEUE,
        args: [1],
        workflowIdConflictPolicy: 'FAIL',
      }),
    });
    wall.push(Date.now() - t0);
  });
  return wall;
}

/** Creates the latency queue and one Available agent with room for every conversation the scenarios start. */
export async function seedLatencyQueue(env: BenchEnv, k: Knobs): Promise<void> {
  await seedQueues(env.store, [QUEUE]);
  // Scenario 1, the three samples of scenario 2 and the two of scenario 4.
  const conversations = WARM_UP + k.latencyCount + 5 * k.depthSamples;
  await seedAgents(env.store, QUEUE, 1, () => [QUEUE], { capacity: UNITS * (conversations + 10) });
  await sampleLatency(env, 'warm', WARM_UP, 30_000);
}

export function describeLatency(label: string, s: LatencySamples): string {
  const failed = s.failures ? `, ${s.failures} failed (${s.firstError})` : '';
  return `${label}: n=${s.wall.length}${failed}; wall p50 ${ms(percentile(s.wall, 50))} p99 ${ms(percentile(s.wall, 99))}; in the worker (Open write -> Active write) p50 ${ms(percentile(s.inWorker, 50))} p99 ${ms(percentile(s.inWorker, 99))}`;
}

/** Scenario 1: start -> Active with an Available agent waiting, one conversation at a time. */
export async function latencyScenario(env: BenchEnv, k: Knobs): Promise<ScenarioResult> {
  const s = await sampleLatency(env, 'lat', k.latencyCount, k.capMs);
  env.smallLoadLatencyP50 = percentile(s.wall, 50);
  const name = '1 Assignment latency';
  const p50 = percentile(s.wall, 50);
  const p99 = percentile(s.wall, 99);
  const bare = await sampleBareFirstTask(env, k.latencyCount, k.capMs);
  const bareP50 = percentile(bare, 50);
  const overBare = p50 / bareP50;
  return {
    rows: [
      {
        scenario: name,
        figure: 'wall p50 / p99 (start call -> outbox shows Active), an agent with room waiting',
        value: `${ms(p50)} / ${ms(p99)}`,
        target: `<= ${LATENCY_P50_TARGET_MS} ms / <= ${LATENCY_P99_TARGET_MS} ms`,
        met: p50 <= LATENCY_P50_TARGET_MS && p99 <= LATENCY_P99_TARGET_MS,
      },
      {
        scenario: name,
        figure: 'in the worker p50 / p99 (Open write -> Active write; one commit when entering assigns at once)',
        value: `${ms(percentile(s.inWorker, 50))} / ${ms(percentile(s.inWorker, 99))}`,
      },
      {
        scenario: name,
        figure: 'wall p50 / bare workflow start -> first task completed p50 (same client, one at a time)',
        value: `${overBare.toFixed(2)} (${ms(p50)} / ${ms(bareP50)})`,
        target: `<= ${LATENCY_BARE_RATIO_TARGET}`,
        met: overBare <= LATENCY_BARE_RATIO_TARGET,
      },
    ],
    notes: [
      describeLatency('latency', s),
      `bare workflow, start -> first workflow task completed (update-with-start answered by that task): n=${bare.length}; p50 ${ms(bareP50)} p99 ${ms(percentile(bare, 99))}`,
      ...(s.capped ? [s.capped] : []),
    ],
  };
}

/** Scenario 2: the same latency with few vs many conversations queued in other queues. */
export async function depthScenario(env: BenchEnv, k: Knobs): Promise<ScenarioResult> {
  const others = queueIds('depth', 100);
  await seedQueues(env.store, others);
  await fillQueues(env.store, 'backlog', others, 0, k.depthSmall);
  const small = await sampleLatency(env, 'depth-small', k.depthSamples, k.capMs);
  const t0 = performance.now();
  await fillQueues(env.store, 'backlog', others, k.depthSmall, k.depthLarge);
  const fillMs = performance.now() - t0;
  const large = await sampleLatency(env, 'depth-large', k.depthSamples, k.capMs);
  const real = await realDepth(env, k);
  const name = '2 Latency vs queued elsewhere';
  const ratio = (a: LatencySamples, b: LatencySamples, p: number) => percentile(b.wall, p) / percentile(a.wall, p);
  const p50 = ratio(small, large, 50);
  return {
    rows: [
      { scenario: name, figure: `wall p50 with ${k.depthSmall} queued (store entries)`, value: ms(percentile(small.wall, 50)) },
      { scenario: name, figure: `wall p50 with ${k.depthLarge} queued (store entries)`, value: ms(percentile(large.wall, 50)) },
      {
        scenario: name,
        figure: `ratio p50 ${k.depthLarge}/${k.depthSmall}`,
        value: p50.toFixed(2),
        target: `<= ${DEPTH_RATIO_TARGET}`,
        met: p50 <= DEPTH_RATIO_TARGET,
      },
      { scenario: name, figure: `ratio p99 ${k.depthLarge}/${k.depthSmall}`, value: ratio(small, large, 99).toFixed(2) },
      {
        scenario: name,
        figure: `ratio p50 with ${k.depthLarge} entries + ${real.started} real Open workflows / ${k.depthSmall}`,
        value: ratio(small, real.samples, 50).toFixed(2),
      },
    ],
    notes: [
      `other queues filled directly through store.applyConversation (enqueue, no workflows, no pokes): ${k.depthLarge - k.depthSmall} entries in ${(fillMs / 1000).toFixed(1)} s`,
      describeLatency(`${k.depthSmall} queued elsewhere`, small),
      describeLatency(`${k.depthLarge} queued elsewhere`, large),
      `real workflows: ${real.started} conversation workflows started into 10 queues without agents (they stay Open), on top of the ${k.depthLarge} store entries`,
      describeLatency(`+${real.started} real Open workflows`, real.samples),
      ...[small.capped, large.capped, real.samples.capped, real.note].filter((x): x is string => !!x),
    ],
  };
}

async function realDepth(env: BenchEnv, k: Knobs): Promise<{ started: number; samples: LatencySamples; note: string | null }> {
  const queues = queueIds('real', 10);
  await seedQueues(env.store, queues);
  const taskQueue = env.config.temporal.taskQueue;
  const run = await runCapped(k.realDepth, 20, k.capMs, async (i) => {
    const id = `real-${i}`;
    await startConversation(env.client, taskQueue, id, queues[i % queues.length] ?? '');
    await env.outbox.waitFor(id, 'Open', 30_000);
  });
  const note = run.capped ? capNote('real Open workflows', run.results.length, k.realDepth, run.elapsedMs) : null;
  const samples = await sampleLatency(env, 'depth-real', k.depthSamples, k.capMs);
  return { started: run.results.length, samples, note };
}
