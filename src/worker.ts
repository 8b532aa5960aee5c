import type { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createTemporalRouter, RoutingChanges } from './routing';
import type { AppConfig } from './config';
import { describeConfig, loadConfig } from './config';
import { exitOnStartupError, onShutdownSignal } from './shutdown';
import { ensureSearchAttributes, openStore, requireRemoteCluster } from './startup';
import type { Store } from './store/store';
import { connectClient, connectionSettings } from './temporal/connection';

/** A running worker and how to stop it. */
export interface RunningWorker {
  worker: Worker;
  /** Settles when the worker has stopped, by shutdown or by a fatal error. */
  done: Promise<void>;
  /** Stops polling, lets in-flight tasks finish, closes the worker's connection. */
  shutdown(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * The SDK installs its own SIGINT/SIGTERM handlers by default, which would stop
 * the worker while the HTTP server still accepts requests; we order shutdown ourselves.
 */
function installRuntime(config: AppConfig): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger(config.temporal.sdkLogLevel) });
}

/**
 * Starts a worker for the configured task queue, running the conversation and
 * dispatcher workflows and their activities over `store`; `client` lets the
 * activities poke dispatchers and hand matches to conversations.
 */
export async function startWorker(config: AppConfig, store: Store, client: Client): Promise<RunningWorker> {
  installRuntime(config);
  const router = createTemporalRouter(client, config.temporal.taskQueue);
  const connection = await NativeConnection.connect(connectionSettings(config.temporal));
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowsPath: require.resolve('../workflows'),
      activities: createActivities({ store, lifecycle: config.lifecycle, router }),
      // Bounded memory: an open conversation outside the cache costs nothing here until its next task replays it.
      maxCachedWorkflows: config.worker.maxCachedWorkflows,
      maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
      maxConcurrentLocalActivityExecutions: config.worker.maxConcurrentLocalActivities,
      reuseV8Context: config.worker.reuseV8Context,
    });
  } catch (error) {
    await connection.close();
    throw error;
  }
  const running = runWorker(worker, connection);
  // Work may have arrived, or room appeared, while no worker ran: give every queue a dispatch round.
  await new RoutingChanges(store, router).pokeAll();
  return running;
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
  console.log(`convoflow worker: ${describeConfig(config)}`);
  const { connection, client } = await connectClient(config.temporal);
  await ensureSearchAttributes(config, connection);
  const store = await openStore(config);
  const running = await startWorker(config, store, client);
  const w = config.worker;
  console.log(
    `Worker polling task queue "${config.temporal.taskQueue}" (cache ${w.maxCachedWorkflows} workflows, ${w.maxConcurrentWorkflowTasks} workflow tasks and ${w.maxConcurrentLocalActivities} local activities at once).`,
  );
  onShutdownSignal(async () => {
    await running.shutdown();
    await connection.close();
    await store.close();
  });
  // A worker that dies on its own (e.g. the cluster is gone for good) must take the process with it.
  running.done.catch((error: unknown) => {
    console.error('The worker stopped:', error);
    process.exit(1);
  });
}

if (require.main === module) main().catch(exitOnStartupError);
