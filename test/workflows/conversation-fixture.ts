import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { LifecycleConfig } from '../../src/domain/lifecycle-config';
import { DEFAULT_LIFECYCLE_CONFIG } from '../../src/domain/lifecycle-config';
import type { ConversationDetails, StartConversationInput } from '../../src/domain/snapshot';
import { RoutingChanges } from '../../src/routing';
import type { SeedOptions } from '../../src/store';
import { createStore, seedStore } from '../../src/store';
import type { Store } from '../../src/store/store';
import type { WebhookActivityOptions } from '../../activities/webhooks';
import { conversationWorkflow } from '../../workflows';
import { snapshotQuery } from '../../workflows/messages';
import { checkAndRecordHistories } from '../helpers/history-recorder';
import { WorkflowTracker } from '../helpers/workflow-tracker';
import { createDevServerEnv, createTimeSkippingEnv } from '../helpers/temporal-env';
import { createTestWorker, quietRuntime, workflowBundle } from '../helpers/test-worker';

/** Two queues and three agents, all Offline: nothing is pushed, conversations wait for pick or assign. */
export const PICK_ONLY_SEED: SeedOptions = {
  queues: [{ id: 'billing', name: 'Billing' }],
  agents: [
    { id: 'alice', name: 'Alice', capacity: 100, presence: 'Offline', queues: ['default', 'billing'] },
    { id: 'bob', name: 'Bob', capacity: 15, presence: 'Offline', queues: ['default'] },
    { id: 'carol', name: 'Carol', capacity: 100, presence: 'Offline', queues: ['billing'] },
  ],
};

/** One time-skipping environment, store and running worker for a test file. */
export interface Harness {
  env: TestWorkflowEnvironment;
  store: Store;
  worker: Worker;
  taskQueue: string;
  /** Store changes that poke dispatchers, as the API makes them. */
  changes: RoutingChanges;
  running: Promise<void>;
  /** Every workflow the environment's client started or signalled: recorded into the replay corpus at stop (RECORD_HISTORIES=1). */
  tracker: WorkflowTracker;
}

/** Starts the environment, an in-memory store seeded with `seed`, and a worker with push distribution. */
export async function startHarness(
  options: {
    lifecycle?: LifecycleConfig;
    seed?: SeedOptions;
    redeliverAfterMs?: number;
    openStore?: () => Promise<Store>;
    /** Run on the real dev server instead of the time-skipping test server. */
    devServer?: boolean;
    /** More arguments for the dev server (e.g. dynamic config). */
    devServerArgs?: string[];
    /** Webhook delivery settings (and a sender standing in for HTTP) for the worker's activities. */
    webhooks?: WebhookActivityOptions;
    /** Workflows the worker keeps cached (0: none; default: testWorkflowCacheSize()). */
    workflowCacheSize?: number;
  } = {},
): Promise<Harness> {
  const { lifecycle = DEFAULT_LIFECYCLE_CONFIG, seed = PICK_ONLY_SEED, redeliverAfterMs, webhooks, workflowCacheSize } = options;
  quietRuntime();
  const tracker = new WorkflowTracker();
  const client = { interceptors: { workflow: [tracker.interceptor] } };
  const env = await (options.devServer ? createDevServerEnv(options.devServerArgs, client) : createTimeSkippingEnv(client));
  const store = await (options.openStore ?? (() => createStore({ databaseUrl: null, sqliteFile: ':memory:' })))();
  await seedStore(store, seed);
  const { worker, taskQueue, router } = await createTestWorker({ env, store, lifecycle, redeliverAfterMs, webhooks, workflowCacheSize });
  const running = worker.run();
  return { env, store, worker, taskQueue, changes: new RoutingChanges(store, router), running, tracker };
}

/**
 * Shuts everything down, awaiting each part. Before the environment goes, every history the
 * file produced is replayed on the current workflow code (a nondeterministic change fails the
 * file that exercised it) and, with RECORD_HISTORIES=1, recorded into the replay corpus.
 */
export async function stopHarness(h: Harness | undefined): Promise<void> {
  if (!h) return;
  h.worker.shutdown();
  await h.running;
  try {
    await checkAndRecordHistories(h.env.client, h.tracker, await workflowBundle());
  } finally {
    await h.store.close();
    await h.env.teardown();
  }
}

/** Starts a conversation on its own unique id and returns its handle. */
export async function startConversation(
  h: Harness,
  options: Partial<StartConversationInput> & { config?: LifecycleConfig } = {},
): Promise<WorkflowHandle<typeof conversationWorkflow>> {
  const { config, ...start } = options;
  const conversationId = start.conversationId ?? randomUUID();
  return h.env.client.workflow.start(conversationWorkflow, {
    workflowId: `conversation-${conversationId}`,
    taskQueue: h.taskQueue,
    args: [
      {
        start: { conversationId, queueId: 'default', channel: 'chat', customer: { id: 'cust-1', name: 'Dana' }, units: 10, ...start },
        config: config ?? DEFAULT_LIFECYCLE_CONFIG,
      },
    ],
  });
}

/** The conversation's snapshot as the query answers it. */
export function snapshot(handle: WorkflowHandle): Promise<ConversationDetails> {
  return handle.query(snapshotQuery);
}

/**
 * Polls the query every `intervalMs` until `predicate` holds (signals are asynchronous). Without a
 * workflow cache every query replays the run, so a long wait polls less often.
 */
export async function eventually(
  handle: WorkflowHandle,
  predicate: (s: ConversationDetails) => boolean,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<ConversationDetails> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await snapshot(handle);
    if (predicate(s)) return s;
    if (Date.now() > deadline)
      throw new Error(
        `condition not met; last snapshot: ${JSON.stringify({ state: s.state, agentId: s.agentId, offer: s.offer, refused: s.refusedSignals, last: s.transitions.slice(-3) })}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Polls an async check until it holds, failing after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Awaits a promise that must fail with an update refusal of `code`; returns the failure message. */
export async function expectRefusal(promise: Promise<unknown>, code: string): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause as { type?: string; message: string } | undefined;
    expect(cause?.type).toBe(code);
    return cause?.message ?? '';
  }
  throw new Error(`expected a refusal with ${code}, but the operation succeeded`);
}

/** Units reserved per agent, from the store. */
export async function reservedUnits(store: Store): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const r of await store.listReservations()) out[r.agentId] = (out[r.agentId] ?? 0) + r.units;
  return out;
}
