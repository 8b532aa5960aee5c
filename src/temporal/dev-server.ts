import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type * as Testing from '@temporalio/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TemporalConfig } from '../config';
import { StartupError } from '../startup-error';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { stopLeftoverDevServer } from './dev-server-leftover';
import { assertPortsFree, DEV_SERVER_IP as IP, LostPortRace } from './dev-server-ports';
import { provisioningHint, resolveDevServerExecutable } from './executables';
import { devServerSearchAttributeArgs } from './search-attributes';
import { STOP_GRACE_MS, WatchedServer } from './watched-dev-server';

/** A running embedded dev server. */
export interface DevServer {
  /** gRPC address for clients and workers. */
  address: string;
  uiUrl: string;
  /** Resolves with how the server exited if it exits without being asked to stop; pending otherwise. */
  unexpectedExit: Promise<string>;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period); safe to call twice. */
  stop(): Promise<void>;
}

/** Start attempts, for when the CLI loses one of the ports it picks at random to another program. */
const START_ATTEMPTS = 3;

/**
 * The history service reads its transfer queue at most 20 times a second by
 * default, which adds ~45 ms before each workflow or activity task reaches a
 * worker; an assignment takes about a dozen such hops (measured: p50 593 ms
 * to 91 ms with this raised). Eager activity execution hands the store write a
 * workflow task schedules straight back to the worker that completed the task
 * (when it has a free slot), without a trip through the task queue. Production
 * clusters: see the README.
 */
export const FAST_DISPATCH = [
  ...['--dynamic-config-value', 'history.transferProcessorMaxPollRPS=1000'],
  ...['--dynamic-config-value', 'system.enableActivityEagerExecution=true'],
];

/** Arguments after `temporal server start-dev` that `startDevServer` passes (exported for tests). */
export function devServerArgs(temporal: TemporalConfig): string[] {
  const { port, uiPort, httpPort, metricsPort, dbFile } = temporal.devServer;
  return [
    ...['--ip', IP, '--port', String(port), '--ui-port', String(uiPort)],
    // Unset, these are random free ports from the range every outgoing connection takes its port from,
    // so another program can take one between the CLI's choice and its bind.
    ...['--http-port', String(httpPort), '--metrics-port', String(metricsPort)],
    ...['--db-filename', dbFile],
    // WAL is far faster than the default journal; synchronous=NORMAL keeps commits durable across a process kill.
    ...['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL'],
    ...FAST_DISPATCH,
    ...(temporal.namespace === 'default' ? [] : ['--namespace', temporal.namespace]),
    ...devServerSearchAttributeArgs(),
    ...['--log-level', 'warn'],
  ];
}

async function startWatched(cli: string, temporal: TemporalConfig, log: (line: string) => void): Promise<DevServer> {
  const server = new WatchedServer(cli, devServerArgs(temporal), temporal.devServer, log);
  await server.spawned;
  try {
    await server.waitUntilReady(temporal.devServer, temporal.namespace);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    address: `${IP}:${temporal.devServer.port}`,
    uiUrl: `http://${IP}:${temporal.devServer.uiPort}`,
    unexpectedExit: server.unexpectedExit(),
    stop: () => server.stop(),
  };
}

/** Clears what an earlier crash left, checks the ports, then starts (again if the CLI lost a port race). */
async function spawnCli(cli: string, temporal: TemporalConfig, log: (line: string) => void): Promise<DevServer> {
  await stopLeftoverDevServer(temporal.devServer, STOP_GRACE_MS, log);
  await assertPortsFree(temporal.devServer);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startWatched(cli, temporal, log);
    } catch (error) {
      if (!(error instanceof LostPortRace) || attempt >= START_ATTEMPTS) throw error;
      log(`The Temporal dev server lost port ${error.port} to another program while starting; starting it again.`);
    }
  }
}

/** The SDK's own download of the CLI, for connected machines where `npm install` could not build it. */
async function startWithSdkDownload(temporal: TemporalConfig): Promise<DevServer> {
  let testing: typeof Testing;
  try {
    // A dev dependency: present on developer machines, absent from production installs.
    testing = await import('@temporalio/testing');
  } catch {
    throw new StartupError(`${provisioningHint('dev server')} Or set TEMPORAL_ADDRESS to use an existing cluster.`);
  }
  const { port, uiPort, httpPort, metricsPort, dbFile } = temporal.devServer;
  const env: TestWorkflowEnvironment = await testing.TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      dbFilename: dbFile,
      ip: IP,
      port,
      ui: true,
      uiPort,
      namespace: temporal.namespace,
      searchAttributes: [...SEARCH_ATTRIBUTES],
      extraArgs: [
        ...['--http-port', String(httpPort), '--metrics-port', String(metricsPort)],
        ...['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL', ...FAST_DISPATCH],
      ],
    },
  }).catch((error: unknown) => {
    throw new StartupError(`${provisioningHint('dev server')} The SDK's download failed too: ${(error as Error).message}`);
  });
  let stopped: Promise<void> | undefined;
  return {
    address: env.address,
    uiUrl: `http://${IP}:${uiPort}`,
    // The SDK does not tell.
    unexpectedExit: new Promise<string>(() => undefined),
    stop: () => (stopped ??= env.teardown()),
  };
}

/**
 * Starts `temporal server start-dev` persisting to the configured SQLite file,
 * with the project's search attributes, and resolves once it answers. The
 * provisioned CLI runs under a watchdog, so it never outlives this process; a
 * server that an earlier crash left behind on the same data file is stopped first.
 */
export async function startDevServer(temporal: TemporalConfig, log: (line: string) => void = console.error): Promise<DevServer> {
  mkdirSync(dirname(temporal.devServer.dbFile), { recursive: true });
  const executable = resolveDevServerExecutable();
  if (executable.type === 'existing-path') return spawnCli(executable.path, temporal, log);
  log(`${provisioningHint('dev server')} Trying the SDK's download instead (needs internet access).`);
  return startWithSdkDownload(temporal);
}
