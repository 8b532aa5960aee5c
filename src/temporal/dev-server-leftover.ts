import { readFileSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { DevServerConfig } from '../config';
import { StartupError } from '../startup-error';

/** The script that keeps a dev server from outliving convoflow (see the comment at its top). */
export const WATCHDOG_SCRIPT = 'dev-server-watchdog.mjs';

/** What scripts/dev-server-watchdog.mjs records while its server runs, one pid a line. */
export interface RecordedPids {
  server: number;
  watchdog: number;
  /** The convoflow process the watchdog serves. */
  parent: number;
}

const POLL_MS = 100;

/** The pids in a pid file, or null if there is none (or it is not one of ours). */
export function readPidFile(path: string): RecordedPids | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const [server, watchdog, parent] = text.split('\n').map(Number);
  const valid = (pid: number | undefined): pid is number => pid !== undefined && Number.isInteger(pid) && pid > 0;
  return valid(server) && valid(watchdog) && valid(parent) ? { server, watchdog, parent } : null;
}

/** Whether /proc shows `pid` as a zombie: exited, not yet reaped (false without /proc). */
function isZombie(pid: number): boolean {
  try {
    // The state follows the parenthesised command name, which may itself contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat
      .slice(stat.lastIndexOf(')') + 1)
      .trim()
      .startsWith('Z');
  } catch {
    return false;
  }
}

/** Whether a process with this pid runs (EPERM: it does, but is someone else's); a zombie does not. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/** A process's arguments from /proc; null where unreadable (gone, a zombie, or no /proc). */
function commandLine(pid: number): string[] | null {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return argv.length > 0 ? argv : null;
  } catch {
    return null;
  }
}

/** Whether `argv` is `temporal server start-dev ... --db-filename <dbFile>` (run directly, or through the watchdog). */
export function isDevServerCommand(argv: readonly string[], dbFile: string, via: 'direct' | 'watchdog'): boolean {
  const start = argv.indexOf('start-dev');
  const throughWatchdog = argv.some((arg) => basename(arg) === WATCHDOG_SCRIPT);
  return (
    start > 0 &&
    argv[start - 1] === 'server' &&
    argv.some((arg, i) => arg === '--db-filename' && argv[i + 1] === dbFile) &&
    throughWatchdog === (via === 'watchdog')
  );
}

function isOurs(pid: number, dbFile: string, via: 'direct' | 'watchdog'): boolean {
  const argv = commandLine(pid);
  return argv !== null && isDevServerCommand(argv, dbFile, via);
}

/** Sends a signal unless the process is already gone. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Waits until `pid` is gone; false if it is still there after `ms`. */
export async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await delay(POLL_MS);
  }
  return true;
}

/**
 * Before starting a dev server on `devServer.dbFile`: deals with one that an
 * earlier run left behind, as recorded in the pid file. A server whose watchdog
 * still serves a live convoflow is that convoflow's: refuse. A watchdog whose
 * convoflow died is stopping its server: wait for it. A server whose watchdog is
 * gone too (both SIGKILLed) is a leftover: stop it. A pid is only acted on when
 * /proc shows it runs our command line on our data file, never on a recycled pid.
 */
export async function stopLeftoverDevServer(devServer: DevServerConfig, graceMs: number, log: (line: string) => void): Promise<void> {
  const pids = readPidFile(devServer.pidFile);
  if (pids === null) return;
  const { dbFile } = devServer;
  if (isOurs(pids.watchdog, dbFile, 'watchdog')) {
    if (pids.parent !== process.pid && isAlive(pids.parent)) {
      throw new StartupError(
        `Another convoflow process (pid ${pids.parent}) runs a Temporal dev server (pid ${pids.server}) on ${dbFile}. ` +
          'Stop it first, or give this one its own CONVOFLOW_DATA_DIR.',
      );
    }
    log(`Waiting for the Temporal dev server of a run that crashed (pid ${pids.server}) to finish stopping...`);
    if (!(await waitForExit(pids.watchdog, graceMs + 5_000))) {
      throw new StartupError(
        `The Temporal dev server of an earlier run (pid ${pids.server}, watchdog ${pids.watchdog}) does not stop; kill it.`,
      );
    }
  }
  if (isOurs(pids.server, dbFile, 'direct')) {
    log(`Stopping a Temporal dev server left over from an earlier run (pid ${pids.server}, data in ${dbFile}).`);
    signal(pids.server, 'SIGTERM');
    if (!(await waitForExit(pids.server, graceMs))) {
      signal(pids.server, 'SIGKILL');
      await waitForExit(pids.server, 5_000);
    }
  }
  rmSync(devServer.pidFile, { force: true });
}
