import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkerOptions, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { WebhookActivityOptions } from '../../activities/webhooks';
import type { Router } from '../../src/routing';
import { createTemporalRouter } from '../../src/temporal/router';
import type { LifecycleConfig } from '../../src/domain/lifecycle-config';
import { DEFAULT_LIFECYCLE_CONFIG } from '../../src/domain/lifecycle-config';
import type { Store } from '../../src/store/store';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
let runtimeInstalled = false;

/** Keeps test output readable: only SDK warnings and errors. Call before any connection or worker exists. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

/** The workflow bundle, built once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  quietRuntime();
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN') });
  return bundle;
}

/**
 * The workflow cache of test workers, from CONVOFLOW_TEST_WORKFLOW_CACHE: `0` none (every
 * activation, and every query, replays the whole history), a whole number above 1 that many,
 * unset the SDK's default (as production runs). See docs/replay-corpus.md for why the suite
 * does not run without a cache by default yet.
 */
export function testWorkflowCacheSize(): number | undefined {
  const raw = process.env.CONVOFLOW_TEST_WORKFLOW_CACHE;
  if (raw === undefined || raw === '') return undefined;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 0 || size === 1) {
    throw new Error(`CONVOFLOW_TEST_WORKFLOW_CACHE=${raw}: expected 0 (no cache) or a whole number above 1.`);
  }
  return size;
}

/** The worker options for a workflow cache of `size` (0: none; undefined: the SDK's default). */
export function workflowCacheOptions(
  size: number | undefined,
): Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions'> {
  if (size === undefined) return {};
  if (size > 0) return { maxCachedWorkflows: size };
  // With no cache, SDK core 1.24 kept a run only while its local activities were in flight and
  // evicted it ("cache full") as soon as a task of another run arrived: the task was never
  // answered and timed out after 10 s ("... only an eviction. This is an SDK bug."). Store writes
  // are regular activities now (local ones remain only in the recorded corpus), and lifting the
  // limit made no measurable difference in one run (docs/replay-corpus.md), so a worker without
  // a cache still takes one workflow task at a time, the setting every no-cache run so far passed
  // with. (The reused V8 context, the SDK default, keeps each fresh workflow instance cheap.)
  return { maxCachedWorkflows: 0, maxConcurrentWorkflowTaskExecutions: 1 };
}

/** A worker on a unique task queue running the real workflows and activities over `store`. */
export async function createTestWorker(options: {
  env: TestWorkflowEnvironment;
  store: Store;
  lifecycle?: LifecycleConfig;
  redeliverAfterMs?: number;
  /** Reuse a task queue (a restarted worker); default: a new unique one. */
  taskQueue?: string;
  /** Webhook delivery settings and sender (default: none, deliveries fail and retry). */
  webhooks?: WebhookActivityOptions;
  /** Workflows kept cached (0: none; default: testWorkflowCacheSize()). */
  workflowCacheSize?: number;
}): Promise<{ worker: Worker; taskQueue: string; router: Router }> {
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const router = createTemporalRouter(options.env.client, taskQueue);
  const worker = await Worker.create({
    connection: options.env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    ...workflowCacheOptions(options.workflowCacheSize ?? testWorkflowCacheSize()),
    activities: createActivities({
      store: options.store,
      lifecycle: options.lifecycle ?? DEFAULT_LIFECYCLE_CONFIG,
      router,
      redeliverAfterMs: options.redeliverAfterMs,
      webhooks: options.webhooks,
    }),
  });
  return { worker, taskQueue, router };
}
