import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Express } from 'express';
import { createActivities } from '../../activities';
import { createApp } from '../../src/api/app';
import { DEFAULT_LIFECYCLE_CONFIG } from '../../src/domain/lifecycle-config';
import type { Presence } from '../../src/domain/presence';
import { webhookWorkflowId } from '../../src/domain/webhooks';
import { createTemporalRouter } from '../../src/temporal/router';
import { createStore } from '../../src/store';
import type { Store } from '../../src/store/store';
import type { WebhookDeliveryOptions } from '../../src/config/webhooks';
import type { WebhookNotifier } from '../../src/webhooks/notifier';
import { startWebhookNotifier } from '../../src/temporal/webhook-workflows';
import { ADMIN_TOKEN, apiDeps, call, SECRET } from '../api/helpers';
import { createDevServerEnv, createTimeSkippingEnv } from '../helpers/temporal-env';
import { quietRuntime, workflowBundle } from '../helpers/test-worker';
import { enqueue } from '../store/store-fixtures';

/** Retries short enough for a test: 100 ms, 200 ms, 400 ms, then every 400 ms, for a minute. */
export const FAST_RETRIES: Partial<WebhookDeliveryOptions> = {
  requestTimeoutMs: 2_000,
  initialIntervalMs: 100,
  maximumIntervalMs: 400,
  retryWindowMs: 60_000,
};

/** A worker (real workflows and activities, webhooks included) and its notifier. */
interface RunningWorker {
  worker: Worker;
  running: Promise<void>;
  notifier: WebhookNotifier | null;
}

/** A Temporal environment, a store, the API over them and a worker with the webhook notifier, as `npm start` wires them. */
export interface WebhookHarness {
  env: TestWorkflowEnvironment;
  store: Store;
  app: Express;
  taskQueue: string;
  /** Starts a worker (and, unless `notifier` is false, its notifier) on the harness's task queue, with these delivery settings. */
  startWorker(delivery?: Partial<WebhookDeliveryOptions>, options?: { notifier?: boolean }): Promise<void>;
  /** Stops the worker and its notifier (a worker process that died or is being restarted). */
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts everything; the worker runs with `delivery` (default FAST_RETRIES). */
export async function startWebhookHarness(
  options: {
    devServer?: boolean;
    delivery?: Partial<WebhookDeliveryOptions>;
    /** The API's store (default: a private in-memory SQLite one). */
    openStore?: () => Promise<Store>;
    /** The worker's own store instance on the same database (another process's, on PostgreSQL); default: the API's. */
    openWorkerStore?: () => Promise<Store>;
    /** Dev server only: the history length at which it suggests continue-as-new (default: Temporal's). */
    suggestContinueAsNewAfter?: number;
  } = {},
): Promise<WebhookHarness> {
  quietRuntime();
  const env = await (options.devServer ? createDevServerEnv(devServerArgs(options.suggestContinueAsNewAfter)) : createTimeSkippingEnv());
  const store = await (options.openStore ?? (() => createStore({ databaseUrl: null, sqliteFile: ':memory:' })))();
  const workerStore = options.openWorkerStore ? await options.openWorkerStore() : store;
  await store.upsertAgent({ id: 'a1', presence: 'Offline' });
  const taskQueue = `test-${randomUUID()}`;
  const app = createApp(apiDeps(store, env.client, taskQueue));
  let current: RunningWorker | null = null;

  const harness: WebhookHarness = {
    env,
    store,
    app,
    taskQueue,
    async startWorker(delivery = options.delivery ?? FAST_RETRIES, { notifier = true } = {}) {
      if (current) throw new Error('a worker is running already');
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: await workflowBundle(),
        activities: createActivities({
          store: workerStore,
          lifecycle: DEFAULT_LIFECYCLE_CONFIG,
          router: createTemporalRouter(env.client, taskQueue),
          webhooks: { serverSecret: SECRET, delivery },
        }),
      });
      const running = worker.run();
      current = {
        worker,
        running,
        notifier: notifier ? await startWebhookNotifier(workerStore, env.client, taskQueue, { minIntervalMs: 200 }) : null,
      };
    },
    async stopWorker() {
      const stopping = current;
      current = null;
      if (!stopping) return;
      stopping.notifier?.stop();
      stopping.worker.shutdown();
      await stopping.running;
    },
    async stop() {
      await harness.stopWorker();
      if (workerStore !== store) await workerStore.close();
      await store.close();
      await env.teardown();
    },
  };
  await harness.startWorker();
  return harness;
}

function devServerArgs(suggestContinueAsNewAfter: number | undefined): string[] {
  return suggestContinueAsNewAfter === undefined
    ? []
    : ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${suggestContinueAsNewAfter}`];
}

/** Registers an endpoint through the API; answers its id and the secret shown once. */
export async function register(
  h: WebhookHarness,
  url: string,
  eventTypes: string[] = ['agent.presence'],
): Promise<{ id: string; secret: string; startAfterEventId: number }> {
  const res = await call(h.app, 'post', '/api/webhooks', ADMIN_TOKEN, { url, eventTypes });
  if (res.status !== 201) throw new Error(`register answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { id: res.body.webhook.id, secret: res.body.secret, startAfterEventId: res.body.webhook.startAfterEventId };
}

const CYCLE: Presence[] = ['Available', 'Away', 'Busy', 'Offline'];

/** `count` presence changes of agent a1 (one agent.presence event each); answers their event ids. */
export async function presenceEvents(store: Store, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let n = 0; n < count; n++) {
    const now = (await store.getAgent('a1'))?.presence;
    const next = CYCLE[(CYCLE.findIndex((p) => p === now) + 1) % CYCLE.length] ?? 'Available';
    await store.setPresence('a1', next);
    ids.push((await store.eventLogBounds()).latestId);
  }
  return ids;
}

/** Events of other types (a conversation entering the default queue: conversation.state, queue.stats). */
export async function otherEvents(store: Store): Promise<void> {
  await enqueue(store, randomUUID());
}

/** The deliveries API's answer for an endpoint. */
export async function deliveries(h: WebhookHarness, id: string, query = ''): Promise<Record<string, unknown>[]> {
  const res = await call(h.app, 'get', `/api/webhooks/${id}/deliveries${query}`, ADMIN_TOKEN);
  if (res.status !== 200) throw new Error(`deliveries answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.deliveries;
}

/**
 * The deliveries API's answer once the worker has recorded the outcome of `count` deliveries (none
 * still pending). A receiver has an event before the delivery activity records it as delivered, so a
 * test that has just seen the receiver take the last event waits for this before reading the list.
 */
export async function settledDeliveries(h: WebhookHarness, id: string, count: number): Promise<Record<string, unknown>[]> {
  let shown: Record<string, unknown>[] = [];
  await until(async () => {
    shown = await deliveries(h, id);
    return shown.length >= count && shown.every((d) => d.status !== 'pending');
  });
  return shown;
}

/** The delivery workflow's status name (RUNNING, COMPLETED …). */
export async function workflowStatus(h: WebhookHarness, endpointId: string): Promise<string> {
  return (await h.env.client.workflow.getHandle(webhookWorkflowId(endpointId)).describe()).status.name;
}

/** Polls an async check until it holds. */
export async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
