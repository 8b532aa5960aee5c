import type { ConversationSnapshot } from '../../src/domain/snapshot';
import { snapshotQuery } from '../../workflows/messages';
import type { BenchEnv } from '../env';
import { fillQueues, queueIds, seedAgents, seedQueues, startConversation, UNITS, waitForState } from '../fixtures';
import type { Knobs } from '../knobs';
import type { ScenarioResult } from '../report';
import { capNote } from '../report';
import { ms, percentile, runCapped } from '../stats';

const QUEUE = 'lat';
const WARM_UP = 5;

/** Latency samples of conversations started one at a time. */
export interface LatencySamples {
  /** Client start call -> store read model shows Active (what a watching UI would see). */
  wall: number[];
  /** Workflow clock: transitions[0].at (Open) -> the Active transition's at. */
  workflow: number[];
  capped: string | null;
  failures: number;
  firstError: string | null;
}

function activeAfterOpen(s: ConversationSnapshot): number {
  const opened = s.transitions[0]?.at;
  const active = s.transitions.find((t) => t.to === 'Active')?.at;
  return opened && active ? Date.parse(active) - Date.parse(opened) : Number.NaN;
}

/** Starts `n` conversations into the latency queue, one at a time, and times each to Active. */
export async function sampleLatency(env: BenchEnv, prefix: string, n: number, capMs: number): Promise<LatencySamples> {
  const wall: number[] = [];
  const workflow: number[] = [];
  const taskQueue = env.config.temporal.taskQueue;
  const run = await runCapped(n, 1, capMs, async (i) => {
    const id = `${prefix}-${i}`;
    const t0 = performance.now();
    const handle = await startConversation(env.client, taskQueue, id, QUEUE);
    await waitForState(env.store, id, 'Active', 30_000);
    wall.push(performance.now() - t0);
    workflow.push(activeAfterOpen(await handle.query(snapshotQuery)));
  });
  const capped = run.capped ? capNote(`${prefix} latency`, wall.length, n, run.elapsedMs) : null;
  return { wall, workflow, capped, failures: run.failures, firstError: run.firstError };
}

/** Creates the latency queue and one Available agent with room for every conversation the scenarios start. */
export async function seedLatencyQueue(env: BenchEnv, k: Knobs): Promise<void> {
  await seedQueues(env.store, [QUEUE]);
  const conversations = WARM_UP + k.latencyCount + 3 * k.depthSamples;
  await seedAgents(env.store, QUEUE, 1, () => [QUEUE], { capacity: UNITS * (conversations + 10) });
  await sampleLatency(env, 'warm', WARM_UP, 30_000);
}

function describe(label: string, s: LatencySamples): string {
  const failed = s.failures ? `, ${s.failures} failed (${s.firstError})` : '';
  return `${label}: n=${s.wall.length}${failed}; wall p50 ${ms(percentile(s.wall, 50))} p99 ${ms(percentile(s.wall, 99))}; workflow p50 ${ms(percentile(s.workflow, 50))} p99 ${ms(percentile(s.workflow, 99))}`;
}

/** Scenario 1: start -> Active with an Available agent waiting, one conversation at a time. */
export async function latencyScenario(env: BenchEnv, k: Knobs): Promise<ScenarioResult> {
  const s = await sampleLatency(env, 'lat', k.latencyCount, k.capMs);
  const name = '1 Assignment latency';
  return {
    rows: [
      { scenario: name, figure: 'wall p50 (start call -> store shows Active)', value: ms(percentile(s.wall, 50)) },
      { scenario: name, figure: 'wall p99', value: ms(percentile(s.wall, 99)) },
      { scenario: name, figure: 'workflow p50 (Open .at -> Active .at)', value: ms(percentile(s.workflow, 50)) },
      { scenario: name, figure: 'workflow p99', value: ms(percentile(s.workflow, 99)) },
    ],
    notes: [describe('latency', s), ...(s.capped ? [s.capped] : [])],
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
      { scenario: name, figure: `ratio p50 ${k.depthLarge}/${k.depthSmall}`, value: p50.toFixed(2), target: '<= 1.5', met: p50 <= 1.5 },
      { scenario: name, figure: `ratio p99 ${k.depthLarge}/${k.depthSmall}`, value: ratio(small, large, 99).toFixed(2) },
      {
        scenario: name,
        figure: `ratio p50 with ${k.depthLarge} entries + ${real.started} real Open workflows / ${k.depthSmall}`,
        value: ratio(small, real.samples, 50).toFixed(2),
      },
    ],
    notes: [
      `other queues filled directly through store.applyConversation (enqueue, no workflows, no pokes): ${k.depthLarge - k.depthSmall} entries in ${(fillMs / 1000).toFixed(1)} s`,
      describe(`${k.depthSmall} queued elsewhere`, small),
      describe(`${k.depthLarge} queued elsewhere`, large),
      `real workflows: ${real.started} conversation workflows started into 10 queues without agents (they stay Open), on top of the ${k.depthLarge} store entries`,
      describe(`+${real.started} real Open workflows`, real.samples),
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
    await waitForState(env.store, id, 'Open', 30_000, 20);
  });
  const note = run.capped ? capNote('real Open workflows', run.results.length, k.realDepth, run.elapsedMs) : null;
  const samples = await sampleLatency(env, 'depth-real', k.depthSamples, k.capMs);
  return { started: run.results.length, samples, note };
}
