import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DevServerConfig } from '../../src/config';
import { isAlive, isDevServerCommand, stopLeftoverDevServer, waitForExit } from '../../src/temporal/dev-server-leftover';
import { bindProblem, LostPortRace, listensOn, startUpFailure } from '../../src/temporal/dev-server-ports';

const dir = mkdtempSync(join(tmpdir(), 'convoflow-leftover-'));
const dbFile = join(dir, 'temporal.sqlite');
const devServer: DevServerConfig = {
  port: 27_000,
  uiPort: 27_001,
  httpPort: 27_010,
  metricsPort: 27_011,
  dbFile,
  pidFile: join(dir, 'temporal-dev-server.pid'),
};
const started: ChildProcess[] = [];
const IDLE = 'setInterval(() => undefined, 1000)';

afterAll(() => {
  for (const child of started) if (child.pid !== undefined && isAlive(child.pid)) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A process whose command line looks like ours: `... server start-dev --db-filename <file>`. */
async function impostor(argv: string[]): Promise<number> {
  const child = spawn(process.execPath, ['-e', IDLE, ...argv], { stdio: 'ignore' });
  started.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

/** A pid that no process has (a short-lived child's, once it has exited). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid ?? 0;
}

describe('a dev server left over from an earlier run', () => {
  const serverArgv = ['server', 'start-dev', '--port', '27000', '--db-filename', dbFile];

  it('recognises our command line, directly and through the watchdog, for our data file only', () => {
    const cli = ['/x/temporal', ...serverArgv];
    expect(isDevServerCommand(cli, dbFile, 'direct')).toBe(true);
    expect(isDevServerCommand(cli, join(dir, 'other.sqlite'), 'direct')).toBe(false);
    expect(isDevServerCommand(cli, dbFile, 'watchdog')).toBe(false);
    const watchdog = ['node', '/x/scripts/dev-server-watchdog.mjs', '/x/pid', '10000', ...cli];
    expect(isDevServerCommand(watchdog, dbFile, 'watchdog')).toBe(true);
    expect(isDevServerCommand(watchdog, dbFile, 'direct')).toBe(false);
  });

  it('is stopped, with one log line, when its watchdog and convoflow are gone', async () => {
    const server = await impostor(serverArgv);
    writeFileSync(devServer.pidFile, `${server}\n${await deadPid()}\n${await deadPid()}\n`);
    const lines: string[] = [];
    await stopLeftoverDevServer(devServer, 2_000, (line) => lines.push(line));
    expect(lines).toEqual([`Stopping a Temporal dev server left over from an earlier run (pid ${server}, data in ${dbFile}).`]);
    expect(await waitForExit(server, 2_000)).toBe(true);
    expect(existsSync(devServer.pidFile)).toBe(false);
  });

  it('is left alone when the pid now belongs to another program (a recycled pid)', async () => {
    const other = await impostor(['server', 'start-dev', '--db-filename', join(dir, 'someone-else.sqlite')]);
    writeFileSync(devServer.pidFile, `${other}\n${await deadPid()}\n${await deadPid()}\n`);
    const lines: string[] = [];
    await stopLeftoverDevServer(devServer, 2_000, (line) => lines.push(line));
    expect(lines).toEqual([]);
    expect(isAlive(other)).toBe(true);
    expect(existsSync(devServer.pidFile)).toBe(false);
  });

  it('is refused, not stopped, while the convoflow that runs it is alive', async () => {
    const server = await impostor(serverArgv);
    const watchdog = await impostor(['/x/scripts/dev-server-watchdog.mjs', devServer.pidFile, '10000', '/x/temporal', ...serverArgv]);
    const parent = await impostor([]);
    writeFileSync(devServer.pidFile, `${server}\n${watchdog}\n${parent}\n`);
    await expect(stopLeftoverDevServer(devServer, 2_000, () => undefined)).rejects.toThrow(
      `Another convoflow process (pid ${parent}) runs a Temporal dev server (pid ${server}) on ${dbFile}`,
    );
    expect([isAlive(server), existsSync(devServer.pidFile)]).toEqual([true, true]);
  });
});

describe('dev server ports', () => {
  it('tells a port in use, and which process listens on it', async () => {
    const listener = createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const address = listener.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      expect(await bindProblem('127.0.0.1', port)).toBe('EADDRINUSE');
      if (existsSync('/proc/net/tcp')) {
        expect(listensOn(process.pid, port)).toBe(true);
        expect(listensOn(await deadPid(), port)).toBe(false);
      }
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
    expect(await bindProblem('127.0.0.1', port)).toBeNull();
  });

  it('names the setting to change when the CLI could not bind one of our ports, and retries for one it picked itself', () => {
    const ours = startUpFailure('exit code 1', 'listen tcp 127.0.0.1:27001: bind: address already in use', devServer);
    expect(ours).not.toBeInstanceOf(LostPortRace);
    expect(ours.message).toMatch(/^Port 27001 on 127\.0\.0\.1, the Temporal dev server's Web UI port \(TEMPORAL_UI_PORT\), is in use/);
    const theirs = startUpFailure('exit code 1', 'listen tcp 127.0.0.1:43419: bind: address already in use', devServer);
    expect(theirs).toBeInstanceOf(LostPortRace);
    expect((theirs as LostPortRace).port).toBe(43_419);
    expect(startUpFailure('exit code 2', 'unknown flag', devServer).message).toContain('exited during start-up (exit code 2)');
  });
});
