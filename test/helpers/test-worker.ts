import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { Router } from '../../src/routing';
import { createTemporalRouter } from '../../src/routing';
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

/** A worker on a unique task queue running the real workflows and activities over `store`. */
export async function createTestWorker(options: {
  env: TestWorkflowEnvironment;
  store: Store;
  lifecycle?: LifecycleConfig;
  redeliverAfterMs?: number;
  /** Reuse a task queue (a restarted worker); default: a new unique one. */
  taskQueue?: string;
}): Promise<{ worker: Worker; taskQueue: string; router: Router }> {
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const router = createTemporalRouter(options.env.client, taskQueue);
  const worker = await Worker.create({
    connection: options.env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      store: options.store,
      lifecycle: options.lifecycle ?? DEFAULT_LIFECYCLE_CONFIG,
      router,
      redeliverAfterMs: options.redeliverAfterMs,
    }),
  });
  return { worker, taskQueue, router };
}
