import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../activities';
import { resolveSecret } from './auth/credentials';
import { RoutingChanges } from './routing';
import { createTemporalRouter } from './temporal/router';
import { Redelivery } from './routing/redelivery';
import type { AppConfig } from './config';
import { describeConfig, isLoopbackHost, loadConfig } from './config';
import { createLogger } from './logger';
import { metricsGuard } from './metrics/access';
import { Metrics } from './metrics/metrics';
import { startMetricsServer } from './metrics/metrics-server';
import { observeWorkerStore } from './metrics/observed-store';
import { watchFailedEvictions } from './stuck/failure-feed';
import { StuckWorkflowMonitor } from './stuck/monitor';
import { exitOnStartupError, onShutdownSignal } from './shutdown';
import { ensureSearchAttributes, openStore, requireRemoteCluster } from './startup';
import type { Store } from './store/store';
import { connectClient, connectionSettings } from './temporal/connection';
import { installRuntime } from './temporal/runtime';
import { startWebhookNotifier } from './temporal/webhook-workflows';

/** A running worker and how to stop it. */
export interface RunningWorker {
  worker: Worker;
  /** Settles when the worker has stopped, by shutdown or by a fatal error. */
  done: Promise<void>;
  /** Stops polling, lets in-flight tasks finish, closes the worker's connection. */
  shutdown(): Promise<void>;
}

/** What a worker reports to, besides the store. */
export interface StartWorkerOptions {
  /** The process's metrics: the activities' store writes are counted there. */
  metrics?: Metrics;
  /** The process log; the SDK's logs join it (default: a logger from the configuration). */
  logger?: Logger;
}

/**
 * Starts a worker for the configured task queue, running the conversation,
 * dispatcher and webhook delivery workflows and their activities over `store`;
 * `client` lets the activities poke dispatchers and hand matches to
 * conversations, and the webhook notifier wake delivery workflows.
 */
export async function startWorker(
  config: AppConfig,
  store: Store,
  client: Client,
  options: StartWorkerOptions = {},
): Promise<RunningWorker> {
  const logger = options.logger ?? createLogger(config.log);
  installRuntime(config, logger);
  const router = createTemporalRouter(client, config.temporal.taskQueue);
  const connection = await NativeConnection.connect(connectionSettings(config.temporal));
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      ...workflowCode(),
      activities: createActivities({
        store: options.metrics ? observeWorkerStore(store, options.metrics.routing) : store,
        lifecycle: config.lifecycle,
        router,
        webhooks: { serverSecret: resolveSecret(config.api, config.dataDir), delivery: config.webhooks.delivery },
      }),
      // Bounded memory: an open conversation outside the cache costs nothing here until its next task replays it.
      maxCachedWorkflows: config.worker.maxCachedWorkflows,
      maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
      maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
      maxConcurrentLocalActivityExecutions: config.worker.maxConcurrentActivities,
      stickyQueueScheduleToStartTimeout: config.worker.stickyTimeoutMs,
      reuseV8Context: config.worker.reuseV8Context,
    });
  } catch (error) {
    await connection.close();
    throw error;
  }
  // Workflows whose tasks keep failing: recorded in the store for every API process (docs/runbook-stuck-workflows.md).
  const unwatch = watchFailedEvictions(worker);
  if (!unwatch) logger.warn('This Temporal SDK has no eviction events: stuck workflows are found from first failures only.');
  const running = runWorker(worker, connection);
  // Work may have arrived, or room appeared, while no worker ran: give every queue a dispatch round.
  await new RoutingChanges(store, router).pokeAll();
  // A match committed just before a process died reaches its conversation within about a second.
  const redelivery = new Redelivery(store, router).start();
  // Webhook wake-ups after commits; at start, every endpoint looks once for what it missed.
  const notifier = await startWebhookNotifier(store, client, config.temporal.taskQueue);
  const monitor = new StuckWorkflowMonitor({ client, store, logger }).start();
  const stopBackground = async (): Promise<void> => {
    notifier.stop();
    unwatch?.();
    await Promise.all([redelivery.stop(), monitor.stop()]);
  };
  void running.done.then(stopBackground, stopBackground);
  return {
    ...running,
    async shutdown() {
      await stopBackground();
      await running.shutdown();
    },
  };
}

/**
 * The workflow code a worker loads: the bundle the build made (dist/workflows/bundle.js,
 * beside the compiled workflows), so a restarted worker polls within about a second; run
 * from sources (tests, ts-node), the workflows are bundled at start.
 */
export function workflowCode(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const workflowsPath = require.resolve('../workflows');
  const prebuilt = join(dirname(workflowsPath), 'bundle.js');
  return workflowsPath.endsWith('.js') && existsSync(prebuilt) ? { workflowBundle: { codePath: prebuilt } } : { workflowsPath };
}

/** Runs a created worker; its connection closes when it stops, by shutdown or by a fatal error. */
export function runWorker(worker: Worker, connection: NativeConnection): RunningWorker {
  const done = worker.run().finally(() => connection.close());
  return {
    worker,
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

/** `npm run start:worker`: the worker alone, against TEMPORAL_ADDRESS, for scaled deployments. */
async function main(): Promise<void> {
  const config = loadConfig();
  requireRemoteCluster(config, 'start:worker');
  const logger = createLogger(config.log);
  // Before any connection: the runtime carries the SDK's logs and metrics.
  installRuntime(config, logger);
  logger.info(`convoflow worker: ${describeConfig(config)}`);
  const metrics = new Metrics();
  const served = config.metrics.worker;
  const metricsServer = served
    ? await startMetricsServer(metrics, {
        ...served,
        guard: metricsGuard(config.metrics.access, { loopback: isLoopbackHost(served.host), behindProxy: false, adminToken: null }),
      })
    : null;
  const { connection, client } = await connectClient(config.temporal);
  await ensureSearchAttributes(config, connection);
  const store = await openStore(config);
  const running = await startWorker(config, store, client, { metrics, logger });
  const w = config.worker;
  logger.info(
    {
      taskQueue: config.temporal.taskQueue,
      metrics: metricsServer?.url ?? null,
      temporalMetrics: config.metrics.temporalAddress && `http://${config.metrics.temporalAddress}/metrics`,
      cachedWorkflows: w.maxCachedWorkflows,
      workflowTasksAtOnce: w.maxConcurrentWorkflowTasks,
      activitiesAtOnce: w.maxConcurrentActivities,
    },
    `Worker polling task queue "${config.temporal.taskQueue}".`,
  );
  onShutdownSignal(async () => {
    await running.shutdown();
    await connection.close();
    await store.close();
    await metricsServer?.close();
  });
  // A worker that dies on its own (e.g. the cluster is gone for good) must take the process with it.
  running.done.catch((error: unknown) => {
    logger.fatal({ err: error }, 'The worker stopped.');
    process.exit(1);
  });
}

if (require.main === module) main().catch(exitOnStartupError);
