import { ConversationClient } from '../../src/api/conversation-client';
import type { ReadSource } from '../../src/api/conversation-client';
import type { BenchEnv } from '../env';
import { cpuBetween, sampleCpu } from '../env';
import { queueIds, seedQueues, startConversation } from '../fixtures';
import type { Knobs } from '../knobs';
import type { ScenarioResult } from '../report';
import { count, ms, percentile, runCapped } from '../stats';

/** The issue's bound on a read from the store (every worker stopped or not). */
export const STORE_READ_P99_TARGET_MS = 100;
const CONVERSATIONS = 200;
const READS = 1_000;
const CONCURRENCY = 8;

interface ReadFigures {
  p50: number;
  p99: number;
  /** Core-ms per 1,000 reads in this process (worker, client and store) and in the Temporal server. */
  nodeMs: number;
  serverMs: number;
  failures: number;
  firstError: string | null;
}

async function readAll(reader: ConversationClient, ids: readonly string[], source: ReadSource, capMs: number): Promise<ReadFigures> {
  const latencies: number[] = [];
  const before = sampleCpu();
  const run = await runCapped(READS, CONCURRENCY, capMs, async (i) => {
    const t0 = performance.now();
    const reading = await reader.read(ids[i % ids.length] as string, source);
    if (reading.source !== source) throw new Error(`asked the ${source}, answered by the ${reading.source}`);
    latencies.push(performance.now() - t0);
  });
  const after = sampleCpu();
  const wall = (after.at - before.at) / 1000;
  const cpu = cpuBetween(before, after);
  const per1000 = (cores: number) => (cores * wall * 1000 * 1000) / Math.max(1, latencies.length);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    nodeMs: per1000(cpu.node),
    serverMs: per1000(cpu.server),
    failures: run.failures,
    firstError: run.firstError,
  };
}

/**
 * Scenario 9: reads. 200 conversations, each with a transition log (Open in
 * a queue without agents); 1,000 reads of them, 8 at a time, through the API's
 * ConversationClient: from the workflow (`?source=workflow`: a query, a
 * workflow task on the worker) and from the store (the default: one store
 * read). CPU per 1,000 reads and latency for each, from the same run.
 */
export async function readsScenario(env: BenchEnv, k: Knobs): Promise<ScenarioResult> {
  const [queue] = queueIds('reads', 1);
  if (!queue) throw new Error('no queue');
  await seedQueues(env.store, [queue]);
  const taskQueue = env.config.temporal.taskQueue;
  const ids = Array.from({ length: CONVERSATIONS }, (_, i) => `reads-${i}`);
  await runCapped(ids.length, 20, k.capMs, async (i) => {
    const id = ids[i] as string;
    await startConversation(env.client, taskQueue, id, queue);
    await env.outbox.waitFor(id, 'Open', 30_000);
  });
  const reader = new ConversationClient(env.client, env.store, taskQueue, env.config.lifecycle, {
    updateMs: 10_000,
    queryMs: 10_000,
  });
  // Warm both paths (workflow cache, statement cache) before measuring.
  await readAll(reader, ids.slice(0, 20), 'workflow', k.capMs);
  await readAll(reader, ids.slice(0, 20), 'store', k.capMs);
  const workflow = await readAll(reader, ids, 'workflow', k.capMs);
  const store = await readAll(reader, ids, 'store', k.capMs);
  const cost = (f: ReadFigures) => `${f.nodeMs.toFixed(0)} worker+API+store, ${f.serverMs.toFixed(0)} Temporal`;
  return {
    rows: [
      { scenario: 'reads', figure: `core-ms per ${count(READS)} reads from the workflow (?source=workflow)`, value: cost(workflow) },
      { scenario: 'reads', figure: `core-ms per ${count(READS)} reads from the store (default)`, value: cost(store) },
      {
        scenario: 'reads',
        figure: 'read latency p50 / p99 from the workflow',
        value: `${ms(workflow.p50)} / ${ms(workflow.p99)}`,
      },
      {
        scenario: 'reads',
        figure: 'read latency p50 / p99 from the store',
        value: `${ms(store.p50)} / ${ms(store.p99)}`,
        target: `p99 <= ${STORE_READ_P99_TARGET_MS} ms`,
        met: store.p99 <= STORE_READ_P99_TARGET_MS && store.failures === 0,
      },
    ],
    notes: [
      `${CONVERSATIONS} Open conversations, ${READS} reads each way, ${CONCURRENCY} at a time; failures: workflow ${workflow.failures}, store ${store.failures}${store.firstError ? ` (${store.firstError})` : ''}${workflow.firstError ? ` (${workflow.firstError})` : ''}. Temporal CPU per read from the store is what other work in the same window cost it (no read reaches it).`,
    ],
  };
}
