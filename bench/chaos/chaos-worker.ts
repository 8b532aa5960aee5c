/**
 * The chaos worker (test-only): `npm run start:worker` (src/worker.ts's
 * startWorker, unchanged: same activities, options, routing and webhooks) with
 * kill points added, for the kill-inside-a-task harness
 * (test/e2e/kill-inside-task.test.ts) and `npm run chaos`.
 *
 * What it adds, from its environment (see kill-points.ts):
 * - the workflow interceptor module kill-interceptor.ts, bundled into the
 *   workflow code (CHAOS_WORKFLOW_BUNDLE: a bundle built with it once by the
 *   parent, so a restart does not bundle again), and its `chaos` sink;
 * - a kill point after every store write that committed inside an activity.
 *
 * startWorker has no option for interceptors or sinks (a production knob would
 * be the wrong place for a kill switch), so this entry wraps Worker.create for
 * its own process only. Never run it in production.
 */
import { readFileSync } from 'node:fs';
import type { WorkerOptions } from '@temporalio/worker';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { exitOnStartupError, onShutdownSignal } from '../../src/shutdown';
import { ensureSearchAttributes, openStore, requireRemoteCluster } from '../../src/startup';
import { connectClient } from '../../src/temporal/connection';
import { installRuntime } from '../../src/temporal/runtime';
import { startWorker } from '../../src/worker';
import { CHAOS_WORKER_READY, Killer, KILL_INTERCEPTOR_MODULE, killPlanFromEnv } from './kill-points';

/** Worker.create with the chaos sink and the interceptor-bearing bundle. */
function withKillPoints(killer: Killer): void {
  const create = Worker.create.bind(Worker);
  Worker.create = async (options: WorkerOptions) => {
    const bundlePath = process.env.CHAOS_WORKFLOW_BUNDLE;
    const workflowBundle = bundlePath
      ? { code: readFileSync(bundlePath, 'utf8') }
      : await bundleWorkflowCode({
          workflowsPath: require.resolve('../../workflows'),
          workflowInterceptorModules: [KILL_INTERCEPTOR_MODULE],
        });
    return create({ ...options, workflowsPath: undefined, workflowBundle, sinks: { ...options.sinks, ...killer.sinks() } });
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  requireRemoteCluster(config, 'chaos worker');
  const logger = createLogger(config.log);
  installRuntime(config, logger);
  const killer = new Killer(killPlanFromEnv());
  withKillPoints(killer);
  const { connection, client } = await connectClient(config.temporal);
  await ensureSearchAttributes(config, connection);
  const store = await openStore(config);
  const running = await startWorker(config, killer.afterCommits(store), client, { logger });
  killer.arm();
  console.log(`${CHAOS_WORKER_READY} (pid ${process.pid})`);
  onShutdownSignal(async () => {
    await running.shutdown();
    await connection.close();
    await store.close();
  });
  running.done.catch((error: unknown) => {
    logger.fatal({ err: error }, 'The chaos worker stopped.');
    process.exit(1);
  });
}

if (require.main === module) main().catch(exitOnStartupError);
