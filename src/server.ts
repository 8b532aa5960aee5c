import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { createApp } from './api/app';
import { EventHub } from './live/event-hub';
import { startEventRetention } from './live/retention';
import { resolveCredentials } from './auth/credentials';
import type { AppConfig } from './config';
import { describeConfig, isLoopbackHost, loadConfig } from './config';
import { createLogger } from './logger';
import { Metrics } from './metrics/metrics';
import { StartupError } from './startup-error';
import { exitOnStartupError, onShutdownSignal } from './shutdown';
import { ensureSearchAttributes, openStore, requireRemoteCluster } from './startup';
import type { Store } from './store/store';
import { createTemporalRouter } from './temporal/router';
import { Redelivery } from './routing/redelivery';
import { connectClient } from './temporal/connection';

/** A listening HTTP server and how to stop it. */
export interface RunningHttpServer {
  url: string;
  /** Stops accepting, waits briefly for in-flight requests, then drops what is left (e.g. event streams). */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 5_000;

/**
 * Starts the HTTP API on the configured host and port, with this process's
 * event hub (ended first on close, so open streams do not hold the shutdown)
 * and the periodic prune of the events outbox.
 */
export function startHttpServer(
  config: AppConfig,
  deps: {
    store: Store;
    client: Client;
    temporalUiUrl?: string | null;
    /** The process's metrics, served at /metrics (default: the API's own). */
    metrics?: Metrics;
    /** The process log (default: a logger from the configuration). */
    logger?: Logger;
  },
): Promise<RunningHttpServer> {
  const { credentials, generatedAdminToken } = resolveCredentials(config.api, config.dataDir);
  if (generatedAdminToken) {
    // Printed this once only; afterwards it is in the file (mode 0600) and never logged again.
    console.log(`Generated the admin token (kept in ${config.dataDir}/admin-token): ${credentials.adminToken}`);
  }
  const hub = new EventHub(deps.store);
  const app = createApp({
    store: deps.store,
    client: deps.client,
    taskQueue: config.temporal.taskQueue,
    credentials,
    lifecycle: config.lifecycle,
    autoPresence: config.autoPresence,
    logger: deps.logger ?? createLogger(config.log),
    metrics: { metrics: deps.metrics ?? new Metrics(), access: config.metrics.access, loopback: isLoopbackHost(config.http.host) },
    trustProxy: config.api.trustProxy,
    limits: {
      startsPerMinute: config.api.startsPerMinute,
      bodyLimitBytes: config.api.bodyLimitBytes,
      agentTokenTtlMs: config.api.agentTokenTtlMs,
    },
    live: { hub, ui: { temporalUiUrl: config.live.temporalUiUrl ?? deps.temporalUiUrl ?? null, namespace: config.temporal.namespace } },
  });
  const stopRetention =
    config.live.eventRetentionMs === null
      ? () => undefined
      : startEventRetention(deps.store, config.live.eventRetentionMs, { maxHoldMs: config.webhooks.maxHoldMs });
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(config.http.port, config.http.host);
    server.once('error', (error: NodeJS.ErrnoException) => {
      stopRetention();
      hub.close();
      reject(error.code === 'EADDRINUSE' ? new StartupError(`Port ${config.http.port} is in use: set PORT to another one.`) : error);
    });
    server.once('listening', () => {
      const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
      resolve({
        url: `http://${host}:${config.http.port}`,
        close: () =>
          new Promise<void>((done) => {
            stopRetention();
            hub.close();
            server.close(() => done());
            server.closeIdleConnections();
            setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
          }),
      });
    });
  });
}

/** `npm run start:api`: the HTTP API alone, against TEMPORAL_ADDRESS, for scaled deployments. */
async function main(): Promise<void> {
  const config = loadConfig();
  requireRemoteCluster(config, 'start:api');
  console.log(`convoflow API: ${describeConfig(config)}`);
  const { connection, client } = await connectClient(config.temporal);
  // Starts carry the search attributes: an API started before any worker registered them would refuse every start.
  await ensureSearchAttributes(config, connection);
  const store = await openStore(config);
  const http = await startHttpServer(config, { store, client });
  // Matches this process committed (presence changes fill agents) reach their conversations even if it dies before signalling.
  const redelivery = new Redelivery(store, createTemporalRouter(client, config.temporal.taskQueue)).start();
  console.log(`API listening on ${http.url} (metrics: ${http.url}/metrics)`);
  onShutdownSignal(async () => {
    await redelivery.stop();
    await http.close();
    await connection.close();
    await store.close();
  });
}

if (require.main === module) main().catch(exitOnStartupError);
