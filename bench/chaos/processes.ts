import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** Every process group started here that may still run: killed when this process exits, however it exits. */
const live = new Set<number>();
let hooked = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const pid of live) killGroup(pid, 'SIGKILL');
  });
}

/** A child process leading its own process group (the dev server's CLI and watchdog go with it). */
export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  /** Its latest output lines (bounded), for failure messages. */
  output: string[];
  /** Resolves on the first output line matching the ready pattern; rejects if it exits or times out first. */
  ready: Promise<void>;
  /** Resolves with how it ended (exit code or signal). */
  exited: Promise<string>;
  /** SIGKILL to the whole group, at once (a crash). */
  kill(): void;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const KEEP_LINES = 200;

/** Starts `node <script>` in its own process group with `env`. */
export function startChild(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  options: { ready: RegExp; readyTimeoutMs?: number; onLine?: (line: string) => void },
): Child {
  hookExit();
  const child = spawn(process.execPath, [script], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${script}`);
  const pid = child.pid;
  live.add(pid);
  const output: string[] = [];
  let settle: (error?: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  void ready.catch(() => undefined);
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  const timer = setTimeout(() => settle(new Error(`${name} not ready within ${timeoutMs / 1000} s:\n${output.join('\n')}`)), timeoutMs);
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      output.push(line);
      if (output.length > KEEP_LINES) output.shift();
      options.onLine?.(line);
      if (options.ready.test(line)) {
        clearTimeout(timer);
        settle();
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = once(child, 'exit').then(([code, signal]) => {
    clearTimeout(timer);
    live.delete(pid);
    // The group may outlive its leader (a grandchild): take it down too.
    killGroup(pid, 'SIGKILL');
    const how = String(signal ?? code);
    settle(new Error(`${name} exited (${how}) before it was ready:\n${output.join('\n')}`));
    return how;
  });
  return {
    name,
    pid,
    process: child,
    output,
    ready,
    exited,
    kill: () => killGroup(pid, 'SIGKILL'),
    async stop(graceMs = 15_000) {
      if (!live.has(pid)) return;
      killGroup(pid, 'SIGTERM');
      const killer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    },
  };
}
