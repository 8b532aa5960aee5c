import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import type { DevServerConfig } from '../config';
import { projectRoot } from '../project-root';
import { StartupError } from '../startup-error';
import { WATCHDOG_SCRIPT } from './dev-server-leftover';
import { DEV_SERVER_IP as IP, listensOn, startUpFailure } from './dev-server-ports';

/** How long a cold dev server may take to open its SQLite file and accept calls. */
const READY_TIMEOUT_MS = 60_000;
/** From SIGTERM to SIGKILL, for the server's graceful stop (the watchdog uses the same). */
export const STOP_GRACE_MS = 10_000;
/** How much longer than the grace period the watchdog itself may take to exit. */
const WATCHDOG_MARGIN_MS = 5_000;

/** Whether the namespace answers at `address` now. */
async function answers(address: string, namespace: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 1_000 });
    try {
      await connection.workflowService.describeNamespace({ namespace });
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

/** Where the watchdog script is: scripts/ in the project, for src/ under ts-jest and dist/src/ alike. */
function watchdogPath(): string {
  const path = join(projectRoot(), 'scripts', WATCHDOG_SCRIPT);
  if (!existsSync(path)) throw new StartupError(`${path} is missing; it runs the embedded Temporal dev server.`);
  return path;
}

/**
 * The CLI, run through scripts/dev-server-watchdog.mjs so that it cannot outlive
 * us: the watchdog, its own process group (a terminal's Ctrl-C reaches only us,
 * so the worker drains before the server stops), stops the server when the pipe
 * to its stdin closes, which the kernel does when we die however we die, SIGKILL
 * included. A graceful stop closes that pipe too, then waits for the watchdog.
 */
export class WatchedServer {
  /** The CLI's pid, once the watchdog has announced it. */
  serverPid: number | null = null;
  /** How the watchdog exited (it exits with the server's status), once it has. */
  exitedHow: string | null = null;
  /** Resolves with how the watchdog exited. */
  readonly exited: Promise<string>;
  /** Resolves once the watchdog runs; rejects if it cannot. */
  readonly spawned: Promise<void>;
  private readonly child: ChildProcess;
  private recent: string[] = [];
  private stopping = false;
  private stopped: Promise<void> | undefined;

  /** Runs `<cli> server start-dev <args>` under the watchdog, which keeps its pids in `devServer.pidFile`. */
  constructor(cli: string, args: readonly string[], devServer: DevServerConfig, log: (line: string) => void) {
    const watchdogArgs = [watchdogPath(), devServer.pidFile, String(STOP_GRACE_MS), cli, 'server', 'start-dev', ...args];
    this.child = spawn(process.execPath, watchdogArgs, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    // The watchdog dead before us: writing its stdin would fail; its exit says what happened.
    this.child.stdin?.on('error', () => undefined);
    this.child.stdout?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const announced = /^dev-server-watchdog: server pid (\d+)$/.exec(line);
        // The rest of stdout is the start-up banner: we print our own summary.
        if (announced) this.serverPid = Number(announced[1]);
        else this.remember(line);
      }
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        this.remember(line);
        // Warnings while stopping are noise.
        if (!this.stopping) log(`[temporal] ${line}`);
      }
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitedHow = code === null ? `signal ${signal}` : `exit code ${code}`;
        resolve(this.exitedHow);
      });
    });
    this.spawned = new Promise((resolve, reject) => {
      this.child.once('spawn', resolve);
      this.child.once('error', (error) => reject(new StartupError(`Cannot run the dev server's watchdog: ${error.message}`)));
    });
  }

  private remember(line: string): void {
    this.recent = [...this.recent, line].slice(-20);
  }

  /** The last lines the server printed, for error messages. */
  output(): string {
    return this.recent.join('\n');
  }

  /** Settles only if the server exits without stop(). */
  unexpectedExit(): Promise<string> {
    return this.exited.then((how) => (this.stopping ? new Promise<string>(() => undefined) : how));
  }

  /** Resolves once the namespace answers on our port and the socket answering is our server's. */
  async waitUntilReady(devServer: DevServerConfig, namespace: string): Promise<void> {
    const { port } = devServer;
    const address = `${IP}:${port}`;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (this.exitedHow !== null) throw startUpFailure(this.exitedHow, this.output(), devServer);
      if (this.serverPid !== null && (await answers(address, namespace)) && this.exitedHow === null) {
        // Linux tells whose socket it is; elsewhere the free-port check before the start has to do.
        if (listensOn(this.serverPid, port) === false) {
          throw new StartupError(
            `Something other than the dev server convoflow started answers on ${address}; stop it or change TEMPORAL_DEV_SERVER_PORT.`,
          );
        }
        return;
      }
      if (Date.now() > deadline) throw new StartupError(`The Temporal dev server did not accept connections on ${address} within 60 s.`);
      await delay(250);
    }
  }

  /** Asks the watchdog to stop the server and waits for both; SIGKILLs their group if that takes too long. Idempotent. */
  stop(): Promise<void> {
    this.stopping = true;
    return (this.stopped ??= (async () => {
      if (this.exitedHow !== null) return;
      this.child.stdin?.end();
      const timeout = (ms: number) => delay(ms, 'timed out', { ref: false });
      if ((await Promise.race([this.exited, timeout(STOP_GRACE_MS + WATCHDOG_MARGIN_MS)])) !== 'timed out') return;
      // A watchdog that does not stop: the whole group, the server included.
      try {
        if (this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
      await Promise.race([this.exited, timeout(WATCHDOG_MARGIN_MS)]);
    })());
  }
}
