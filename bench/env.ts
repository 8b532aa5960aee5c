import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { AppConfig } from '../src/config';
import { loadConfig } from '../src/config';
import { createStore } from '../src/store';
import type { Store } from '../src/store/store';
import { connectClient, connectionSettings } from '../src/temporal/connection';
import type { DevServer } from '../src/temporal/dev-server';
import { startDevServer } from '../src/temporal/dev-server';
import type { RunningWorker } from '../src/worker';
import { runWorker, startWorker } from '../src/worker';
import type { Knobs } from './knobs';
import { OutboxWatcher } from './outbox';
import { RoutingLog } from './routing-log';
import type { StoreTimings } from './store-timing';
import { timedStore } from './store-timing';

/** Task queue of the bench-only worker that runs the bare baseline workflow. */
export const BARE_TASK_QUEUE = 'bench-bare';

/** The CONVOFLOW_WORKER_* settings of this process's environment (the worker's cache and concurrency). */
export function workerTuningEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('CONVOFLOW_WORKER_') && e[1] !== undefined),
  );
}

/** Everything a scenario needs, all in this process except the dev server. */
export interface BenchEnv {
  config: AppConfig;
  dir: string;
  /** The store the bench reads and seeds directly (untimed). */
  store: Store;
  /** Timings of the store calls the worker's activities make. */
  timings: StoreTimings;
  /** Entries and reservations the worker's store calls made, in commit order (enable it to record). */
  routing: RoutingLog;
  /** Tails the store's event outbox: when each conversation entered each state. */
  outbox: OutboxWatcher;
  /** Assignment latency p50 at small load (scenario 1), for the later ratios. */
  smallLoadLatencyP50?: number;
  /** CPU per assignment measured end to end (scenario 5), in core-ms. */
  cpuPerAssignment?: { worker: number; server: number; store: number };
  /** Scenario 5's end-to-end rate (assignments/min), for the skills run to compare with. */
  e2eRate?: number;
  /** Conversations the memory scenario left open, waiting in queues without agents. */
  openWaiting?: { count: number; queues: string[] };
  client: Client;
  devServer: DevServer;
  /** Stops everything started so far, in reverse order; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the embedded stack like `npm start` does (dev server, SQLite store,
 * product worker, client) in a temporary directory on non-default ports, plus
 * a second worker on its own task queue for the bare baseline workflow.
 */
export async function startBenchEnv(knobs: Knobs, log: (line: string) => void): Promise<BenchEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'convoflow-bench-'));
  // A clean environment: a developer's TEMPORAL_ADDRESS or DATABASE_URL must not redirect the bench.
  const config = loadConfig({
    CONVOFLOW_DATA_DIR: dir,
    TEMPORAL_DEV_SERVER_PORT: String(knobs.temporalPort),
    TEMPORAL_UI_PORT: String(knobs.uiPort),
    TEMPORAL_TASK_QUEUE: 'bench-conversations',
    // ERROR by default: refused-signal warnings would flood the report (the profile counts signals instead).
    TEMPORAL_SDK_LOG_LEVEL: process.env.BENCH_SDK_LOG_LEVEL ?? 'ERROR',
    // The worker's cache and concurrency settings are the product's, and can be tried from the environment.
    ...workerTuningEnv(),
  });
  const stops: (() => Promise<void>)[] = [];
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      for (const stop of stops.reverse()) await stop().catch((e: unknown) => log(`shutdown: ${String(e)}`));
      if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
    })());
  try {
    const t0 = performance.now();
    const devServer = await startDevServer(config.temporal, log);
    stops.push(() => devServer.stop());
    log(`dev server ready on ${devServer.address} in ${((performance.now() - t0) / 1000).toFixed(1)} s (data in ${dir})`);
    const { connection, client } = await connectClient(config.temporal);
    stops.push(() => connection.close());
    const store = await createStore({ sqliteFile: config.sqliteFile });
    stops.push(() => store.close());
    const routing = new RoutingLog();
    const { store: workerStore, timings } = timedStore(store, routing.observe);
    const outbox = await OutboxWatcher.start(store);
    stops.push(() => outbox.stop());
    const worker: RunningWorker = await startWorker(config, workerStore, client);
    stops.push(() => worker.shutdown());
    const bare = await startBareWorker(config);
    stops.push(() => bare.shutdown());
    log(`workers running (${((performance.now() - t0) / 1000).toFixed(1)} s after start)`);
    return { config, dir, store, timings, routing, outbox, client, devServer, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function startBareWorker(config: AppConfig): Promise<RunningWorker> {
  const connection = await NativeConnection.connect(connectionSettings(config.temporal));
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: BARE_TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    // bareActivityWorkflow's one local activity, doing nothing: what Temporal costs around it.
    activities: { noop: async () => undefined },
  }).catch(async (error: unknown) => {
    await connection.close();
    throw error;
  });
  return runWorker(worker, connection);
}

/** CPU seconds used so far by this process, by the dev server (its child process) and by the whole machine. */
export interface CpuSample {
  at: number;
  nodeSec: number;
  serverSec: number;
  machineSec: number;
}

const TICKS = 100; // USER_HZ on Linux

function procCpuSec(pid: string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Every process's parent, from /proc. */
function parents(): Map<string, string> {
  const parent = new Map<string, string>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      parent.set(p, stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '');
    } catch {
      // gone meanwhile
    }
  }
  return parent;
}

/** Every descendant of `root` (the dev server runs under a watchdog, so it is a grandchild). */
export function descendantPids(root: string = String(process.pid)): string[] {
  try {
    const parent = parents();
    const found: string[] = [];
    const wanted = new Set([root]);
    for (let grew = true; grew;) {
      grew = false;
      for (const [pid, ppid] of parent) {
        if (wanted.has(ppid) && !wanted.has(pid)) {
          wanted.add(pid);
          found.push(pid);
          grew = true;
        }
      }
    }
    return found;
  } catch {
    return [];
  }
}

/** CPU seconds used so far by `pid` (0 once it is gone). */
export function processCpuSec(pid: string): number {
  try {
    return procCpuSec(pid);
  } catch {
    return 0;
  }
}

/** Resident memory of `pid` in bytes, from /proc (NaN when unknown). */
export function processRssBytes(pid: string = String(process.pid)): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.split(/\s+/)[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Busy CPU seconds of the whole machine (all cores): user, nice, system, irq, softirq, steal. */
function machineCpuSec(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / TICKS;
}

/** Samples CPU time (Linux /proc; zeros elsewhere). */
export function sampleCpu(): CpuSample {
  const at = performance.now();
  try {
    const serverSec = descendantPids().reduce((sum, pid) => sum + processCpuSec(pid), 0);
    return { at, nodeSec: procCpuSec(String(process.pid)), serverSec, machineSec: machineCpuSec() };
  } catch {
    return { at, nodeSec: 0, serverSec: 0, machineSec: 0 };
  }
}

/** Cores busy between two samples: this process, the dev server, and everything else on the machine. */
export interface CpuUse {
  node: number;
  server: number;
  others: number;
}

/** Cores busy between two samples, split into this process, the dev server and other processes. */
export function cpuBetween(a: CpuSample, b: CpuSample): CpuUse {
  const wall = (b.at - a.at) / 1000;
  if (wall <= 0) return { node: 0, server: 0, others: 0 };
  const node = (b.nodeSec - a.nodeSec) / wall;
  const server = (b.serverSec - a.serverSec) / wall;
  return { node, server, others: Math.max(0, (b.machineSec - a.machineSec) / wall - node - server) };
}

/** The split as text. */
export function describeCpu(c: CpuUse): string {
  return `CPU cores busy: node (worker+client+store) ${c.node.toFixed(2)}, dev server ${c.server.toFixed(2)}, other processes ${c.others.toFixed(2)}`;
}

/**
 * Waits (at most `maxWaitMs`) until other processes use less than `threshold`
 * cores over a 2-second window, so concurrent work on a shared machine skews
 * a scenario less; returns a line saying what it found.
 */
export async function waitForQuiet(maxWaitMs: number, threshold = 0.3): Promise<string> {
  const started = performance.now();
  let others = 0;
  for (let tries = 0; tries < 1 + maxWaitMs / 2_000; tries++) {
    const a = sampleCpu();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    others = cpuBetween(a, sampleCpu()).others;
    if (others < threshold) break;
    if (performance.now() - started > maxWaitMs) break;
  }
  const waited = ((performance.now() - started) / 1000).toFixed(0);
  return others < threshold
    ? `machine quiet after ${waited} s (other processes ${others.toFixed(2)} cores)`
    : `MACHINE BUSY: other processes still used ${others.toFixed(2)} cores after waiting ${waited} s; running anyway, figures are skewed`;
}
