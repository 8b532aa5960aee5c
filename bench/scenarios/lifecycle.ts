import { closeTabUpdate, endUpdate } from '../../workflows/messages';
import type { BenchEnv } from '../env';
import type { CpuUse } from '../env';
import { BARE_TASK_QUEUE, cpuBetween, describeCpu, sampleCpu } from '../env';
import { queueIds, seedAgents, seedQueues, startConversation } from '../fixtures';
import { CURRENT_FIXTURE, lifecycleFromFixture, OLD_FIXTURE } from '../history-baseline';
import type { Knobs } from '../knobs';
import { describeBreakdown, historyBreakdown } from '../profile';
import type { ScenarioResult } from '../report';
import { capNote } from '../report';
import type { CappedRun } from '../stats';
import { ms, percentile, runCapped } from '../stats';
import { describeTimings, snapshotTimings, timingsSince } from '../store-timing';
import type { bareWorkflow } from '../workflows';
import { stepUpdate } from '../workflows';

const WARM_UP = 20;
/** Target: lifecycle throughput over the bare workflow's. */
export const LIFECYCLE_RATIO_TARGET = 0.8;
/** Targets: history events and workflow tasks per lifecycle (the bare workflow's 12 and 2, plus two events). */
export const LIFECYCLE_EVENTS_TARGET = 14;
export const LIFECYCLE_TASKS_TARGET = 2;
const PROFILE_SAMPLE = 20;

/** start -> Active (seen in the store) -> end -> close tab, acting as the assigned agent; returns ms taken. */
async function lifecycle(env: BenchEnv, id: string, queueId: string): Promise<number> {
  const t0 = performance.now();
  const handle = await startConversation(env.client, env.config.temporal.taskQueue, id, queueId);
  await env.outbox.waitFor(id, 'Active', 30_000);
  const view = await env.store.getConversation(id);
  const actor = { kind: 'agent' as const, id: view?.agentId ?? undefined };
  await handle.executeUpdate(endUpdate, { args: [{ actor }] });
  await handle.executeUpdate(closeTabUpdate, { args: [{ actor }] });
  return performance.now() - t0;
}

/** The same three client messages to the bare workflow: start, then two updates. */
async function bare(env: BenchEnv, id: string): Promise<number> {
  const t0 = performance.now();
  const handle = await env.client.workflow.start<typeof bareWorkflow>('bareWorkflow', {
    workflowId: id,
    taskQueue: BARE_TASK_QUEUE,
    args: [2],
  });
  await handle.executeUpdate(stepUpdate);
  await handle.executeUpdate(stepUpdate);
  return performance.now() - t0;
}

const perSecond = (r: CappedRun<number>) => (r.results.length / r.elapsedMs) * 1000;

function describeRun(label: string, r: CappedRun<number>, cpu: CpuUse): string {
  const failed = r.failures ? `, ${r.failures} failed (${r.firstError})` : '';
  return `${label}: ${r.results.length} done in ${(r.elapsedMs / 1000).toFixed(1)} s = ${perSecond(r).toFixed(1)}/s${failed}; each p50 ${ms(percentile(r.results, 50))} p99 ${ms(percentile(r.results, 99))}; ${describeCpu(cpu)}`;
}

/**
 * Scenario 4: full conversation lifecycles vs the bare workflow, the same
 * number of each, the same client messages and the same concurrency, on the
 * same server in the same run; the throughput ratio, and a profile of where
 * the lifecycle's time goes.
 */
export async function lifecycleScenario(env: BenchEnv, k: Knobs): Promise<ScenarioResult> {
  const [queueId = 'life-q000'] = queueIds('life', 1);
  await seedQueues(env.store, [queueId]);
  // Room for every conversation in flight: capacity holds through Wrap-up and is released on close.
  await seedAgents(env.store, 'life', 5, () => [queueId], { capacity: 10 * k.lifecycleConcurrency });
  const c = k.lifecycleConcurrency;
  await runCapped(WARM_UP, c, 60_000, (i) => lifecycle(env, `life-warm-${i}`, queueId));
  await runCapped(WARM_UP, c, 60_000, (i) => bare(env, `bare-warm-${i}`));

  const before = snapshotTimings(env.timings);
  const cpuA = sampleCpu();
  const life = await runCapped(k.lifecycleCount, c, k.capMs, (i) => lifecycle(env, `life-${i}`, queueId));
  const cpuB = sampleCpu();
  const storeUse = timingsSince(env.timings, before);
  const base = await runCapped(k.lifecycleCount, c, k.capMs, (i) => bare(env, `bare-${i}`));
  const cpuC = sampleCpu();

  const ratio = perSecond(life) / perSecond(base);
  const sample = Array.from({ length: Math.min(PROFILE_SAMPLE, life.results.length) }, (_, i) => `conversation-life-${i}`);
  const lifeProfile = await historyBreakdown(env.client, sample);
  const bareProfile = await historyBreakdown(
    env.client,
    sample.map((_, i) => `bare-${i}`),
  );
  const old = lifecycleFromFixture(OLD_FIXTURE);
  const current = lifecycleFromFixture(CURRENT_FIXTURE);
  const fewer = old !== null && lifeProfile.events < old.events && lifeProfile.workflowTasks < old.workflowTasks;
  const name = '6 Lifecycle vs bare workflow';
  return {
    rows: [
      { scenario: name, figure: `lifecycles/s (${c} in flight)`, value: perSecond(life).toFixed(1) },
      { scenario: name, figure: `bare workflows/s (${c} in flight)`, value: perSecond(base).toFixed(1) },
      {
        scenario: name,
        figure: 'ratio lifecycle/bare',
        value: ratio.toFixed(2),
        target: `>= ${LIFECYCLE_RATIO_TARGET}`,
        met: ratio >= LIFECYCLE_RATIO_TARGET,
      },
      {
        scenario: name,
        figure: 'history events per lifecycle (measured, first 20 of the run)',
        value: lifeProfile.events.toFixed(1),
        target: `<= ${LIFECYCLE_EVENTS_TARGET}`,
        met: lifeProfile.events <= LIFECYCLE_EVENTS_TARGET,
      },
      {
        scenario: name,
        figure: 'workflow tasks per lifecycle (measured, first 20 of the run)',
        value: lifeProfile.workflowTasks.toFixed(1),
        target: `<= ${LIFECYCLE_TASKS_TARGET}`,
        met: lifeProfile.workflowTasks <= LIFECYCLE_TASKS_TARGET,
      },
      {
        scenario: name,
        figure: 'history events / workflow tasks per lifecycle: now (measured) vs before the redesign (d629350)',
        value: `${lifeProfile.events.toFixed(1)} / ${lifeProfile.workflowTasks.toFixed(1)} vs ${old ? `${old.events} / ${old.workflowTasks}` : 'n/a'}`,
        target: 'lower',
        met: old === null ? null : fewer,
      },
    ],
    notes: [
      `lifecycle = start, wait until the outbox shows Active, end update, close-tab update (Closed); bare = start, two updates; ${WARM_UP} of each first as warm-up`,
      describeRun('lifecycle', life, cpuBetween(cpuA, cpuB)),
      describeRun('bare', base, cpuBetween(cpuB, cpuC)),
      `lifecycle run ${describeTimings(storeUse, life.elapsedMs)}`,
      `why the history targets are out of reach while store writes are regular activities: each write is an activity, three events (scheduled, started, completed) and a workflow task to take its answer, and a lifecycle writes three times (entering with its assignment, end, close tab); local activities (one marker each, no extra task) made running conversations nondeterministic on replay (docs/architecture.md)`,
      ...describeBreakdown('lifecycle histories (first of the timed run)', lifeProfile),
      ...describeBreakdown('bare histories', bareProfile),
      `history per lifecycle (start -> assigned -> end -> close tab): measured now ${lifeProfile.events.toFixed(1)} events, ${lifeProfile.workflowTasks.toFixed(1)} workflow tasks (end and close tab are updates here, 2 events each); before the redesign, from the replay fixture of d629350 (its start, assign, end and final closeTab parts, signals, Waiting detour left out): ${old ? `${old.events} events, ${old.workflowTasks} workflow tasks (${old.parts}; events/tasks), plus the queue dispatcher's poke signal and dispatch round that every assignment then needed` : 'fixture not found'}; the current fixture read the same way: ${current ? `${current.events} events, ${current.workflowTasks} workflow tasks (${current.parts}; its assign still comes by signal, since it starts with no agent)` : 'n/a'}`,
      ...(life.capped ? [capNote('lifecycle run', life.results.length, k.lifecycleCount, life.elapsedMs)] : []),
      ...(base.capped ? [capNote('bare run', base.results.length, k.lifecycleCount, base.elapsedMs)] : []),
    ],
  };
}
