import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { descendantPids, processCpuSec, processRssBytes } from '../env';

/** The compiled entry points the split deployment runs (dist/src/…). */
const DIST = join(__dirname, '..', '..', 'src');

/** One process of the split deployment that this benchmark started. */
export interface Started {
  name: string;
  child: ChildProcess;
  /** Everything it printed (bounded), for the report when it fails. */
  output: string[];
  /** Resolves when the process prints a line matching `ready`. */
  ready: Promise<void>;
  /** The process and its descendants (the dev server's watchdog and CLI). */
  pids(): string[];
  rss(): number;
  stop(): Promise<void>;
}

const KEEP_LINES = 200;

/** Starts `node dist/src/<entry>` with `env`, resolving `ready` on the first output line that matches. */
export function startProcess(name: string, entry: string, env: NodeJS.ProcessEnv, ready: RegExp, readyTimeoutMs = 60_000): Started {
  const child = spawn(process.execPath, [join(DIST, entry)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  let resolveReady: () => void = () => undefined;
  let rejectReady: (e: Error) => void = () => undefined;
  const readyPromise = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  const timer = setTimeout(
    () => rejectReady(new Error(`${name} not ready after ${readyTimeoutMs} ms:\n${output.join('\n')}`)),
    readyTimeoutMs,
  );
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      output.push(line);
      if (output.length > KEEP_LINES) output.shift();
      if (ready.test(line)) {
        clearTimeout(timer);
        resolveReady();
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.once('exit', (code, signal) => {
    clearTimeout(timer);
    rejectReady(new Error(`${name} exited (${signal ?? code}) before it was ready:\n${output.join('\n')}`));
  });
  void readyPromise.catch(() => undefined);
  const pid = String(child.pid);
  return {
    name,
    child,
    output,
    ready: readyPromise,
    pids: () => [pid, ...descendantPids(pid)],
    rss: () => processRssBytes(pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/**
 * Accumulates CPU seconds per group of processes whose members change (a
 * PostgreSQL pool opens and closes backends): every second it reads each
 * member's CPU time and adds what it used since the last reading, so a
 * process that exits keeps what it used up to its last reading.
 */
export class CpuTracker {
  private readonly last = new Map<string, number>();
  private readonly totals = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private sampling: Promise<void> | null = null;

  constructor(private readonly groups: () => Promise<Map<string, string[]>>) {
    this.timer = setInterval(() => void this.sample(), 1_000);
  }

  /** Takes a reading now. */
  sample(): Promise<void> {
    this.sampling ??= (async () => {
      try {
        const groups = await this.groups();
        for (const [group, pids] of groups) {
          for (const pid of pids) {
            const key = `${group}\u0000${pid}`;
            const now = processCpuSec(pid);
            const before = this.last.get(key);
            if (before !== undefined && now >= before) this.totals.set(group, (this.totals.get(group) ?? 0) + now - before);
            this.last.set(key, now);
          }
        }
      } catch {
        // a missed reading only delays the count
      } finally {
        this.sampling = null;
      }
    })();
    return this.sampling;
  }

  /** CPU seconds per group so far. */
  snapshot(): Map<string, number> {
    return new Map(this.totals);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Seconds used per group between two snapshots. */
export function cpuSince(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([group, sec]) => [group, sec - (before.get(group) ?? 0)]));
}
