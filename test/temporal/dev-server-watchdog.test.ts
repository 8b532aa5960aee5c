import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, readPidFile, waitForExit } from '../../src/temporal/dev-server-leftover';

const WATCHDOG = join(__dirname, '..', '..', 'scripts', 'dev-server-watchdog.mjs');
/** Stand-ins for the Temporal CLI: a server that stops on SIGTERM, one that ignores it, one that fails at once. */
const SERVER = {
  graceful: "process.on('SIGTERM', () => process.exit(0)); console.log('listening'); setInterval(() => undefined, 1000);",
  stubborn: "process.on('SIGTERM', () => undefined); console.log('listening'); setInterval(() => undefined, 1000);",
  failing: 'process.exit(3);',
};

const dir = mkdtempSync(join(tmpdir(), 'convoflow-watchdog-'));
const started: ChildProcess[] = [];
let n = 0;

afterAll(() => {
  for (const child of started) if (child.pid !== undefined && isAlive(child.pid)) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves with the server pid the watchdog announces on stdout, once the server says it is listening (its signal handler is set). */
function announcedPid(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /^dev-server-watchdog: server pid (\d+)\nlistening$/m.exec(text);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', () => reject(new Error(`exited before announcing a pid: ${text}`)));
  });
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** Runs the watchdog as our child, as src/temporal/watched-dev-server.ts does. */
function watchdog(server: keyof typeof SERVER, graceMs = 5_000): { child: ChildProcess; pidFile: string } {
  const pidFile = join(dir, `server-${++n}.pid`);
  const child = spawn(process.execPath, [WATCHDOG, pidFile, String(graceMs), process.execPath, '-e', SERVER[server]], {
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true,
  });
  started.push(child);
  return { child, pidFile };
}

describe('dev server watchdog', () => {
  it('records the server, itself and its parent in the pid file while the server runs', async () => {
    const { child, pidFile } = watchdog('graceful');
    const server = await announcedPid(child);
    expect(readPidFile(pidFile)).toEqual({ server, watchdog: child.pid, parent: process.pid });
    child.stdin?.end();
    expect(await exitCode(child)).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('stops the server when the parent is SIGKILLed', async () => {
    // A parent of its own, which runs the watchdog the way convoflow does, then dies without a word.
    const pidFile = join(dir, 'orphaned.pid');
    const parentCode = `
      const { spawn } = require('node:child_process');
      const w = spawn(process.execPath, ${JSON.stringify([WATCHDOG, pidFile, '5000', process.execPath, '-e', SERVER.graceful])},
        { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
      w.stdout.pipe(process.stdout);
      setInterval(() => undefined, 1000);`;
    const parent = spawn(process.execPath, ['-e', parentCode], { stdio: ['ignore', 'pipe', 'inherit'] });
    started.push(parent);
    const server = await announcedPid(parent);
    const recorded = readPidFile(pidFile);
    expect(recorded?.server).toBe(server);

    parent.kill('SIGKILL');
    expect(await waitForExit(server, 5_000)).toBe(true);
    expect(await waitForExit(recorded?.watchdog ?? 0, 2_000)).toBe(true);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('SIGKILLs a server that ignores SIGTERM once the grace period is over', async () => {
    const { child } = watchdog('stubborn', 300);
    const server = await announcedPid(child);
    const t0 = Date.now();
    child.stdin?.end();
    expect(await exitCode(child)).toBe(128 + 9);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(isAlive(server)).toBe(false);
  });

  it('exits with the status of a server that stops by itself, and removes the pid file', async () => {
    const { child, pidFile } = watchdog('failing');
    expect(await exitCode(child)).toBe(3);
    expect(existsSync(pidFile)).toBe(false);
  });
});
