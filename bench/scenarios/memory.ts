import { setTimeout as delay } from 'node:timers/promises';
import { ActorKind } from '../../src/domain/operations';
import { conversationWorkflowId } from '../../src/domain/ids';
import { assignSignal } from '../../workflows/messages';
import type { BenchEnv } from '../env';
import { processRssBytes } from '../env';
import { queueIds, seedAgents, seedQueues, startConversation, UNITS } from '../fixtures';
import type { Knobs } from '../knobs';
import type { ScenarioResult } from '../report';
import { capNote } from '../report';
import { count, ms, percentile, runCapped } from '../stats';
import { describeLatency, sampleLatency } from './latency';

/** Worker RSS targets: per 1,000 open conversations, and in all with the default count open. */
export const RSS_PER_1000_TARGET_MB = 40;
export const RSS_TOTAL_TARGET_MB = 2_048;
/** Assignment latency with every conversation open, against the small-load figure of scenario 1. */
export const LOADED_LATENCY_RATIO_TARGET = 1.2;

const MB = 2 ** 20;
const QUEUES = 10;
const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;

/** The JavaScript heap in use (of this thread: the workflow threads have their own isolates), to tell JS objects from native memory. */
function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

async function settledRss(): Promise<number> {
  // Let in-flight tasks finish and the allocators hand pages back before reading.
  await delay(2_000);
  return processRssBytes();
}

/**
 * Scenario 4: worker memory with many open conversations. Opens N
 * conversations (default 50,000) into queues without agents, so each stays
 * Open with its stale timer running, and samples this process's RSS (the
 * worker, with the client and the SQLite store beside it) as they accumulate.
 * Then the replay cost of eviction: an assign signal to a conversation the
 * cache evicted long ago vs one that is still cached (signal -> the outbox
 * shows Active), and assignment latency with all N open against the same
 * measurement right before they were opened.
 */
export async function memoryScenario(env: BenchEnv, k: Knobs): Promise<ScenarioResult> {
  const n = k.memoryOpen;
  const tuning = env.config.worker;
  const queues = queueIds('mem', QUEUES);
  await seedQueues(env.store, queues);
  const taskQueue = env.config.temporal.taskQueue;
  // The small-load latency right before opening, so the ratio after compares adjacent minutes of one run.
  const before = await sampleLatency(env, 'lat-pre', k.depthSamples, k.capMs);
  const rss0 = await settledRss();
  const points: { open: number; rss: number; heap: number; at: number }[] = [{ open: 0, rss: rss0, heap: heapUsed(), at: 0 }];
  // Often enough to see the cache fill and the slope past it.
  const every = Math.max(1, Math.min(Math.floor(n / 20), Math.floor(tuning.maxCachedWorkflows / 2)));
  let open = 0;
  const t0 = performance.now();
  // Closed loop: each lane starts one conversation and waits for its Open write, so the server's backlog stays bounded.
  const run = await runCapped(n, k.memoryConcurrency, k.memoryCapMs, async (i) => {
    const id = `mem-${i}`;
    await startConversation(env.client, taskQueue, id, queues[i % QUEUES] ?? '');
    await env.outbox.waitFor(id, 'Open', 60_000);
    open += 1;
    if (open % every === 0) points.push({ open, rss: processRssBytes(), heap: heapUsed(), at: performance.now() - t0 });
  });
  const openMs = performance.now() - t0;
  const rssN = await settledRss();
  points.push({ open, rss: rssN, heap: heapUsed(), at: performance.now() - t0 });
  const per1000 = open > 0 ? ((rssN - rss0) / open) * 1000 : Number.NaN;
  // While the cache fills, each conversation adds its cached state; past it, only what an evicted one leaves behind.
  const fill = points.filter((p) => p.open > 0 && p.open <= tuning.maxCachedWorkflows).at(-1);
  const perCached = fill ? (fill.rss - rss0) / fill.open : Number.NaN;
  const beyond = points.filter((p) => p.open >= tuning.maxCachedWorkflows && p.open > (fill?.open ?? 0));
  const firstBeyond = beyond[0];
  const lastBeyond = beyond.at(-1);
  const perEvicted =
    firstBeyond && lastBeyond && lastBeyond.open > firstBeyond.open
      ? (lastBeyond.rss - firstBeyond.rss) / (lastBeyond.open - firstBeyond.open)
      : Number.NaN;

  // Replay after eviction: assign signals alternately to the oldest (evicted) and the newest (cached) conversations.
  const agentPrefix = 'memx';
  await seedAgents(env.store, agentPrefix, 1, () => [], { capacity: UNITS * (4 * k.memorySamples + 10) });
  const agentId = `${agentPrefix}-a00000`;
  const evicted: number[] = [];
  const cached: number[] = [];
  const evictable = open > tuning.maxCachedWorkflows + 2 * k.memorySamples;
  const signalled = new Set<number>();
  const assignOne = async (i: number, into: number[]): Promise<void> => {
    const id = `mem-${i}`;
    signalled.add(i);
    const started = Date.now();
    await env.client.workflow.getHandle(conversationWorkflowId(id)).signal(assignSignal, { agentId, actor: { kind: ActorKind.Operator } });
    const active = await env.outbox.waitFor(id, 'Active', 30_000);
    into.push(active.at - started);
  };
  let replayFailures = 0;
  if (evictable) {
    for (let s = 0; s < k.memorySamples; s++) {
      await assignOne(s, evicted).catch(() => (replayFailures += 1));
      await assignOne(open - 1 - s, cached).catch(() => (replayFailures += 1));
    }
  }
  const replayRatio = percentile(evicted, 50) / percentile(cached, 50);
  // Where the cap stopped the opening short of N: the RSS N would take, from the slope past the cache.
  const projected = open < n && Number.isFinite(perEvicted) ? rssN + (n - open) * Math.max(perEvicted, 0) : rssN;
  const projectedPer1000 = ((projected - rss0) / n) * 1000;
  const measuredAll = open >= n;
  // Below the cache size every conversation is cached, which says nothing about N open: no projection then.
  const pastCache = measuredAll || Number.isFinite(perEvicted);

  const loaded = await sampleLatency(env, 'lat-open', k.depthSamples, k.capMs);
  const base = percentile(before.wall, 50);
  const ratio = percentile(loaded.wall, 50) / base;
  const scenario1 = env.smallLoadLatencyP50 ?? Number.NaN;
  env.openWaiting = { count: open - signalled.size, queues };

  const name = '4 Worker memory';
  return {
    rows: [
      {
        scenario: name,
        figure: `RSS per 1,000 open conversations, ${count(n)} open (cache ${count(tuning.maxCachedWorkflows)})${measuredAll ? '' : `: projected from ${count(open)} opened`}`,
        value: pastCache ? mb(projectedPer1000) : `n/a: ${count(open)} opened, not past the cache`,
        target: `<= ${RSS_PER_1000_TARGET_MB} MB`,
        met: pastCache ? projectedPer1000 / MB <= RSS_PER_1000_TARGET_MB : null,
      },
      {
        scenario: name,
        figure: `RSS with ${count(n)} open (worker + client + SQLite store, one process)${measuredAll ? '' : `: projected; measured ${mb(rssN)} with ${count(open)}`}`,
        value: pastCache ? mb(projected) : `n/a: ${count(open)} opened, not past the cache`,
        target: n >= 50_000 ? `<= ${count(RSS_TOTAL_TARGET_MB)} MB` : '',
        met: n >= 50_000 && pastCache ? projected / MB <= RSS_TOTAL_TARGET_MB : null,
      },
      {
        scenario: name,
        figure: 'RSS per cached conversation / per evicted one',
        value: `${(perCached / 1024).toFixed(0)} KB / ${(perEvicted / 1024).toFixed(1)} KB`,
      },
      {
        scenario: name,
        figure: 'assign signal -> Active, p50: evicted (replayed) vs cached',
        value: evictable
          ? `${ms(percentile(evicted, 50))} vs ${ms(percentile(cached, 50))} (x${replayRatio.toFixed(2)})`
          : 'n/a (nothing evicted)',
      },
      {
        scenario: name,
        figure: `assignment latency p50 with ${count(open)} open / right before opening them`,
        value: `${ms(percentile(loaded.wall, 50))} / ${ms(base)} = ${ratio.toFixed(2)}`,
        target: `<= ${LOADED_LATENCY_RATIO_TARGET}`,
        met: ratio <= LOADED_LATENCY_RATIO_TARGET,
      },
    ],
    notes: [
      `worker settings: maxCachedWorkflows ${tuning.maxCachedWorkflows}, maxConcurrentWorkflowTaskExecutions ${tuning.maxConcurrentWorkflowTasks}, maxConcurrentActivityTaskExecutions ${tuning.maxConcurrentActivities}, stickyQueueScheduleToStartTimeout ${tuning.stickyTimeoutMs} ms, reuseV8Context ${tuning.reuseV8Context} (CONVOFLOW_WORKER_*)`,
      `opened ${count(open)} conversations (Open, stale timer running, ${QUEUES} queues without agents; ${k.memoryConcurrency} lanes, each starting one and waiting for its Open write) in ${(openMs / 1000).toFixed(1)} s = ${((open / openMs) * 1000).toFixed(0)}/s`,
      `RSS of this process (worker + client + SQLite store; the dev server is another process): ${points.map((p) => `${count(p.open)}: ${mb(p.rss)}`).join(', ')}`,
      `main thread's JS heap in use at the same points: ${points.map((p) => `${count(p.open)}: ${mb(p.heap)}`).join(', ')}`,
      `RSS per 1,000 = (RSS with all open - RSS before) / opened x 1,000 = ${mb(per1000)} with ${count(open)} open; while the cache fills ${(perCached / 1024).toFixed(0)} KB per conversation, beyond it ${(perEvicted / 1024).toFixed(1)} KB${measuredAll ? '' : `; projected to ${count(n)}: ${mb(projected)} = ${mb(projectedPer1000)} per 1,000 (measured RSS + the conversations not opened x the slope past the cache)`}`,
      evictable
        ? `replay after eviction: ${evicted.length} assign signals to the oldest conversations (evicted: the next task fetches and replays the history) p50 ${ms(percentile(evicted, 50))} p99 ${ms(percentile(evicted, 99))}; ${cached.length} to the newest (cached) p50 ${ms(percentile(cached, 50))} p99 ${ms(percentile(cached, 99))}${replayFailures ? `; ${replayFailures} failed` : ''}`
        : `replay after eviction not measured: ${count(open)} opened is not beyond the cache of ${count(tuning.maxCachedWorkflows)}`,
      describeLatency('assignment latency right before opening', before),
      describeLatency(`assignment latency with ${count(open)} open`, loaded),
      `against scenario 1 (minutes earlier): ${ms(percentile(loaded.wall, 50))} / ${ms(scenario1)} = ${(percentile(loaded.wall, 50) / scenario1).toFixed(2)}`,
      ...(run.failures ? [`${run.failures} opens failed: ${run.firstError}`] : []),
      ...(run.capped ? [capNote('opening conversations', open, n, openMs)] : []),
      ...(loaded.capped ? [loaded.capped] : []),
      ...(before.capped ? [before.capped] : []),
    ],
  };
}
