import { setTimeout as delay } from 'node:timers/promises';
import type { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import type { AppConfig } from './config';
import { describeConfig, loadConfig } from './config';
import { createLogger } from './logger';
import { Metrics } from './metrics/metrics';
import type { RunningHttpServer } from './server';
import { startHttpServer } from './server';
import { exitOnStartupError, onShutdownSignal } from './shutdown';
import { ensureSearchAttributes, openStore } from './startup';
import type { Store } from './store/store';
import { connectClient } from './temporal/connection';
import type { DevServer } from './temporal/dev-server';
import { startDevServer } from './temporal/dev-server';
import { installRuntime } from './temporal/runtime';
import type { RunningWorker } from './worker';
import { startWorker } from './worker';

/** Everything `npm start` runs in one process; each part is null until it has started. */
interface Parts {
  devServer: DevServer | null;
  connection: Connection | null;
  store: Store | null;
  worker: RunningWorker | null;
  http: RunningHttpServer | null;
}

/**
 * Stops in reverse dependency order: no new requests first, then the worker
 * finishes its tasks while Temporal is still up, and the dev server goes last.
 */
async function stopAll(parts: Parts): Promise<void> {
  await parts.http?.close();
  await parts.worker?.shutdown();
  await parts.connection?.close();
  await parts.store?.close();
  await parts.devServer?.stop();
}

async function start(config: AppConfig, logger: Logger, parts: Parts): Promise<void> {
  console.log(`convoflow: ${describeConfig(config)}`);
  if (config.temporal.address === null) {
    const started = Date.now();
    parts.devServer = await startDevServer(config.temporal);
    console.log(
      `Temporal dev server ready in ${((Date.now() - started) / 1000).toFixed(1)} s (data in ${config.temporal.devServer.dbFile}).`,
    );
  }
  const { connection, client } = await connectClient(config.temporal);
  parts.connection = connection;
  await ensureSearchAttributes(config, connection);
  parts.store = await openStore(config);
  // One registry for the worker and the API: the API's /metrics shows both.
  const metrics = new Metrics();
  parts.worker = await startWorker(config, parts.store, client, { metrics, logger });
  parts.http = await startHttpServer(config, {
    store: parts.store,
    client,
    temporalUiUrl: parts.devServer?.uiUrl ?? null,
    metrics,
    logger,
  });
  const uiUrl = config.live.temporalUiUrl ?? parts.devServer?.uiUrl ?? null;
  console.log('');
  console.log(`  API:         ${parts.http.url}   (try: curl ${parts.http.url}/healthz)`);
  console.log(`  Pages:       ${parts.http.url}/agent   ${parts.http.url}/chat   ${parts.http.url}/supervisor`);
  console.log(`  Temporal UI: ${uiUrl ?? `served by your cluster at ${config.temporal.address} (set TEMPORAL_UI_URL to link it)`}`);
  console.log(`  Task queue:  ${config.temporal.taskQueue} (namespace ${config.temporal.namespace})`);
  console.log(
    `  Metrics:     ${parts.http.url}/metrics${config.metrics.temporalAddress ? `   Temporal SDK: http://${config.metrics.temporalAddress}/metrics` : ''}`,
  );
  console.log('');
  console.log('Press Ctrl-C to stop.');
}

/** `npm start`: dev server (unless TEMPORAL_ADDRESS), worker and HTTP API in one process. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.log);
  // First of all: the SDK's runtime (its logs, its metrics) must exist before anything instantiates it with defaults.
  installRuntime(config, logger);
  const parts: Parts = { devServer: null, connection: null, store: null, worker: null, http: null };
  onShutdownSignal(() => stopAll(parts));
  try {
    await start(config, logger, parts);
  } catch (error) {
    await stopAll(parts).catch(() => undefined);
    throw error;
  }
  // The worker stopping by itself (a fatal error) must not leave a half-working API running.
  parts.worker?.done.catch(async (error: unknown) => {
    logger.fatal({ err: error }, 'The worker stopped.');
    await stopAll(parts).catch(() => undefined);
    process.exit(1);
  });
  // Nor must the dev server's: exit, so that a supervisor (or the next `npm start`) brings everything back.
  void parts.devServer?.unexpectedExit.then(async (how) => {
    logger.fatal({ how }, 'The Temporal dev server stopped by itself.');
    await Promise.race([stopAll(parts).catch(() => undefined), delay(10_000, undefined, { ref: false })]);
    process.exit(1);
  });
}

main().catch(exitOnStartupError);
