import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import type * as Testing from '@temporalio/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TemporalConfig } from '../config';
import { StartupError } from '../startup-error';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { provisioningHint, resolveDevServerExecutable } from './executables';
import { devServerSearchAttributeArgs } from './search-attributes';

/** A running embedded dev server. */
export interface DevServer {
  /** gRPC address for clients and workers. */
  address: string;
  uiUrl: string;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period); safe to call twice. */
  stop(): Promise<void>;
}

/** How long a cold dev server may take to open its SQLite file and accept calls. */
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const IP = '127.0.0.1';

/**
 * The history service reads its transfer queue at most 20 times a second by
 * default, which adds ~45 ms before each workflow or activity task reaches a
 * worker; an assignment takes about a dozen such hops (measured: p50 593 ms
 * to 91 ms with this raised). Production clusters: see the README.
 */
const FAST_DISPATCH = ['--dynamic-config-value', 'history.transferProcessorMaxPollRPS=1000'];

/** Arguments after `temporal server start-dev` that `startDevServer` passes (exported for tests). */
export function devServerArgs(temporal: TemporalConfig): string[] {
  const { port, uiPort, dbFile } = temporal.devServer;
  return [
    ...['--ip', IP, '--port', String(port), '--ui-port', String(uiPort), '--db-filename', dbFile],
    // WAL is far faster than the default journal; synchronous=NORMAL keeps commits durable across a process kill.
    ...['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL'],
    ...FAST_DISPATCH,
    ...(temporal.namespace === 'default' ? [] : ['--namespace', temporal.namespace]),
    ...devServerSearchAttributeArgs(),
    ...['--log-level', 'warn'],
  ];
}

/** Resolves once the namespace answers, so callers never race the server's start-up. */
async function waitUntilReady(address: string, namespace: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const inUse = /address already in use/.test(output())
        ? '\nIs another convoflow or Temporal dev server running? Stop it, or set TEMPORAL_DEV_SERVER_PORT and TEMPORAL_UI_PORT.'
        : '';
      throw new StartupError(
        `The Temporal dev server exited during start-up (${child.exitCode ?? child.signalCode}):\n${output()}${inUse}`,
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch {
      if (Date.now() > deadline) throw new StartupError(`The Temporal dev server did not accept connections on ${address} within 60 s.`);
      await delay(250);
    }
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function spawnCli(path: string, temporal: TemporalConfig, log: (line: string) => void): Promise<DevServer> {
  const address = `${IP}:${temporal.devServer.port}`;
  // Own process group: a terminal's Ctrl-C reaches only us, so the worker drains before the server stops.
  const child = spawn(path, ['server', 'start-dev', ...devServerArgs(temporal)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  // Detached children outlive a crashing parent; a synchronous kill on exit covers everything short of SIGKILL.
  const killOnExit = (): void => void child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let recent: string[] = [];
  let stopping = false;
  const capture =
    (forward: boolean) =>
    (chunk: Buffer): void => {
      const lines = chunk.toString().split('\n').filter(Boolean);
      recent = [...recent, ...lines].slice(-20);
      // stdout is only the start-up banner (we print our own summary); warnings while stopping are noise.
      if (forward && !stopping) for (const line of lines) log(`[temporal] ${line}`);
    };
  child.stdout?.on('data', capture(false));
  child.stderr?.on('data', capture(true));
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new StartupError(`Cannot run the Temporal CLI at ${path}: ${error.message}`)));
  });
  await spawned;
  try {
    await waitUntilReady(address, temporal.namespace, child, () => recent.join('\n'));
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  const stop = (): Promise<void> => {
    stopping = true;
    return stopChild(child);
  };
  return { address, uiUrl: `http://${IP}:${temporal.devServer.uiPort}`, stop };
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
  const { port, uiPort, dbFile } = temporal.devServer;
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
      extraArgs: ['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL', ...FAST_DISPATCH],
    },
  }).catch((error: unknown) => {
    throw new StartupError(`${provisioningHint('dev server')} The SDK's download failed too: ${(error as Error).message}`);
  });
  let stopped: Promise<void> | undefined;
  return { address: env.address, uiUrl: `http://${IP}:${uiPort}`, stop: () => (stopped ??= env.teardown()) };
}

/**
 * Starts `temporal server start-dev` persisting to the configured SQLite file,
 * with the project's search attributes, and resolves once it answers.
 */
export async function startDevServer(temporal: TemporalConfig, log: (line: string) => void = console.error): Promise<DevServer> {
  mkdirSync(dirname(temporal.devServer.dbFile), { recursive: true });
  const executable = resolveDevServerExecutable();
  if (executable.type === 'existing-path') return spawnCli(executable.path, temporal, log);
  log(`${provisioningHint('dev server')} Trying the SDK's download instead (needs internet access).`);
  return startWithSdkDownload(temporal);
}
