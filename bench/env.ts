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
import type { StoreTimings } from './store-timing';
import { timedStore } from './store-timing';

/** Task queue of the bench-only worker that runs the bare baseline workflow. */
export const BARE_TASK_QUEUE = 'bench-bare';

/** Everything a scenario needs, all in this process except the dev server. */
export interface BenchEnv {
  config: AppConfig;
  dir: string;
  /** The store the bench reads and seeds directly (untimed). */
  store: Store;
  /** Timings of the store calls the worker's activities make. */
  timings: StoreTimings;
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
    const { store: workerStore, timings } = timedStore(store);
    const worker: RunningWorker = await startWorker(config, workerStore, client);
    stops.push(() => worker.shutdown());
    const bare = await startBareWorker(config);
    stops.push(() => bare.shutdown());
    log(`workers running (${((performance.now() - t0) / 1000).toFixed(1)} s after start)`);
    return { config, dir, store, timings, client, devServer, close };
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

function childPids(): string[] {
  try {
    return readdirSync('/proc').filter((p) => {
      if (!/^\d+$/.test(p)) return false;
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === String(process.pid);
      } catch {
        return false;
      }
    });
  } catch {
    return [];
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
    const serverSec = childPids().reduce((sum, pid) => sum + procCpuSec(pid), 0);
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
