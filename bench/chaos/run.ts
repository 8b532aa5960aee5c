/**
 * `npm run chaos`: the offer-mode chaos run (not in CI; method and knobs in
 * docs/chaos.md). The split deployment on PostgreSQL (dev server, API and
 * worker as separate processes); the worker is killed with kill -9 every ~10 s
 * and restarted at once, while customers start chats in offer-mode queues
 * (3 and 4 s offers, 2 declines) with skills that relax, and agents with
 * automatic presence accept, decline, let offers expire, pick, transfer, end
 * and close chats over HTTP. When every chat is done (or the time cap), the
 * kills stop, everyone finishes their chats, and once quiet it prints and
 * checks the summary: workflows failing tasks, leaked reservations, agents over
 * capacity, offers standing past expiry + 10 s (watched during the run), operations
 * applied twice, 503s that were applied, histories that do not replay, and the
 * offer hand-off delay (store reservation to the workflow applying the offer).
 * Exits 1 when a check fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Pool } from 'pg';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { createStore } from '../../src/store';
import type { Store } from '../../src/store/store';
import { connectClient } from '../../src/temporal/connection';
import { storeInvariantViolations } from '../../src/checks/invariants';
import { ApiClient } from '../split/http';
import { replayAll, TaskFailureLog, workflowHealth, workflowIds } from './checks';
import type { Deployment, TemporalChoice } from './deployment';
import { deploy, freshSchema, startWorker } from './deployment';
import { allEvents, offerHandoffs } from './handoff';
import { HttpDesk } from './http-desk';
import type { KillRecord } from './kill-points';
import { KILL_INTERCEPTOR_MODULE, KillPoint } from './kill-points';
import { Ledger } from './ledger';
import { StoreMonitor } from './monitor';
import type { Child } from './processes';
import { offerScenario, PROBE_QUEUE } from './scenario';
import type { Fault, Kill, Summary } from './summary';
import { conversationSnapshots, describeChats, printSummary, unfinishedIds } from './summary';
import { seeded, Workload } from './workload';

const DEFAULT_DATABASE_URL = 'postgres://convoflow_test:convoflow_test@127.0.0.1:5432/convoflow_chaos';

/** The run's knobs, from the environment (docs/chaos.md). */
function knobs(env: NodeJS.ProcessEnv) {
  const num = (name: string, fallback: number) => {
    const value = env[name] === undefined || env[name] === '' ? fallback : Number(env[name]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name}: expected a number >= 0, got ${env[name]}`);
    return value;
  };
  return {
    databaseUrl: env.CHAOS_DATABASE_URL ?? DEFAULT_DATABASE_URL,
    conversations: num('CHAOS_CONVERSATIONS', 300),
    agents: num('CHAOS_AGENTS', 12),
    maxLive: num('CHAOS_MAX_LIVE', 40),
    startEveryMs: num('CHAOS_START_EVERY_MS', 300),
    killEveryMs: num('CHAOS_KILL_EVERY_MS', 10_000),
    maxKills: num('CHAOS_MAX_KILLS', 100),
    maxMinutes: num('CHAOS_MAX_MINUTES', 20),
    finishMinutes: num('CHAOS_FINISH_MINUTES', 3),
    /** 1: the worker kills itself inside workflow tasks and after store commits (the chaos worker), around the same cadence. */
    insideTasks: env.CHAOS_INSIDE_TASKS === '1',
    seed: num('CHAOS_SEED', Date.now() % 1_000_000),
    out: resolve(env.CHAOS_OUT ?? join('data', 'chaos', `chaos-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)),
    keep: env.CHAOS_KEEP === '1',
    /** `cluster`: Temporal as four processes on PostgreSQL, and faults rotate over every process (below) instead of the worker alone. */
    temporal: env.CHAOS_TEMPORAL === 'cluster' ? ('cluster' as const) : ('dev server' as const),
    /** The role the cluster's databases are created with (dropped at the end). */
    clusterDbUrl: env.CHAOS_CLUSTER_DB_URL || env.TEMPORAL_CLUSTER_DB_URL || 'postgres://temporal:temporal@127.0.0.1:5432',
    clusterShards: num('CHAOS_CLUSTER_SHARDS', 4),
    /** The command that restarts the PostgreSQL server under the store and Temporal (e.g. `pg_ctlcluster 15 main restart`); unset: that fault is not run. */
    pgRestart: env.CHAOS_PG_RESTART ?? '',
    /** How long a faulted process stays down before it is started again. */
    downMs: num('CHAOS_DOWN_MS', 2_000),
  };
}
export type Knobs = ReturnType<typeof knobs>;

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Starts a worker and waits until it polls; a few failed starts in a row end the run. */
async function readyWorker(
  d: Deployment,
  killEnv: NodeJS.ProcessEnv | null,
  failures: TaskFailureLog,
  log: (l: string) => void,
): Promise<Child> {
  for (let attempt = 1; ; attempt++) {
    const worker = startWorker(d, killEnv, (line) => failures.observe(line));
    try {
      await worker.ready;
      return worker;
    } catch (error) {
      worker.kill();
      await worker.exited;
      if (attempt >= 3) throw error;
      log(`worker did not start (${(error as Error).message.split('\n')[0]}); again`);
    }
  }
}

/**
 * Kills the worker ~killEveryMs (±30 %) after it started polling and restarts
 * it at once, until the kill budget, the time or `stop()`; answers the worker
 * left running. Counting from polling rather than from the last kill gives
 * every worker the same working time however long a start takes (the product
 * worker bundles its workflow code at each start: seconds on a busy machine).
 * With insideTasks the chaos worker arms its kill points for that moment and
 * dies inside work; kill -9 follows 5 s later if it has not.
 */
async function killLoop(
  d: Deployment,
  k: Knobs,
  until: number,
  stop: () => boolean,
  kills: Kill[],
  failures: TaskFailureLog,
  log: (l: string) => void,
): Promise<Child> {
  const random = seeded(k.seed + 1);
  const killLog = join(d.dir, 'kills.jsonl');
  for (;;) {
    const last = kills.length >= k.maxKills || Date.now() > until || stop();
    const lifeMs = k.killEveryMs * (0.7 + 0.6 * random());
    const killEnv =
      k.insideTasks && !last
        ? {
            CHAOS_KILL_POINTS: `${KillPoint.Task},${KillPoint.Commit}`,
            CHAOS_KILL_PROBABILITY: '0.3',
            CHAOS_ARM_AFTER_MS: String(Math.round(lifeMs)),
            CHAOS_KILL_LOG: killLog,
          }
        : null;
    const worker = await readyWorker(d, killEnv, failures, log);
    if (last) return worker;
    const readyAt = Date.now();
    const killAt = readyAt + lifeMs + (k.insideTasks ? 5_000 : 0);
    let ended: string | null = null;
    void worker.exited.then((how) => (ended = how));
    while (ended === null && Date.now() < killAt && !stop()) await delay(100);
    // Nothing left to do: this worker stays, unless its kill points are armed (it would still die
    // inside a task while everyone finishes, and nothing would restart it): then an unarmed one replaces it.
    if (ended === null && stop()) {
      if (!killEnv) return worker;
      worker.kill();
      await worker.exited;
      return readyWorker(d, null, failures, log);
    }
    const killed = ended === null;
    if (killed) worker.kill();
    const how = await worker.exited;
    const lastKill = Date.now();
    const record = k.insideTasks ? selfKill(killLog, worker.pid) : undefined;
    kills.push({
      at: new Date(lastKill).toISOString(),
      how: record?.point ?? (killed ? 'kill -9' : `exited by itself (${how})`),
      livedMs: lastKill - readyAt,
      record,
    });
  }
}

/** What a cluster run kills, in turn. */
const FAULT_TARGETS = ['history', 'matching', 'frontend', 'worker', 'api', 'postgres'] as const;
type FaultTarget = (typeof FAULT_TARGETS)[number];

/**
 * The recovery probe: a customer starts a chat in the queue no agent serves
 * (POST /api/conversations answers 201 only once the workflow has entered it
 * into the store's queue, so the API, frontend, history, matching, a worker
 * and the store all had to work), retried with the same key until it is
 * started or `capMs` passes; answers when it was (null: never). The customer
 * then ends it (Open -> Closed), so it does not count as unfinished.
 */
async function probe(desk: HttpDesk, key: string, capMs: number): Promise<number | null> {
  const deadline = Date.now() + capMs;
  let started: { at: number; id: string } | null = null;
  while (!started && Date.now() < deadline) {
    const { outcome, conversationId } = await desk.start(key, { queueId: PROBE_QUEUE, requirements: [] });
    if (outcome.kind === 'ok' && conversationId) started = { at: Date.now(), id: conversationId };
    else await delay(100);
  }
  if (!started) return null;
  for (let n = 0; n < 100; n++) {
    const ended = await desk.operate(started.id, 'customerEnd', null, `${key}-end`);
    if (ended.kind !== 'unknown') break;
    await delay(200);
  }
  return started.at;
}

/**
 * The cluster run's faults: every ~killEveryMs (±30 %) the next target in
 * FAULT_TARGETS dies by kill -9 (PostgreSQL: the restart command), stays down
 * for downMs and is started again. Recovery is the time from the kill until
 * a new chat starts (`probe`), capped at 2 min. Answers the worker left running.
 */
async function faultLoop(
  d: Deployment,
  k: Knobs,
  until: number,
  stop: () => boolean,
  faults: Fault[],
  desk: HttpDesk,
  failures: TaskFailureLog,
  log: (l: string) => void,
): Promise<Child> {
  const random = seeded(k.seed + 1);
  const cluster = d.cluster;
  if (!cluster) throw new Error('faultLoop needs a cluster');
  let worker = await readyWorker(d, null, failures, log);
  const targets = FAULT_TARGETS.filter((t) => t !== 'postgres' || k.pgRestart);
  for (let i = 0; faults.length < k.maxKills && Date.now() < until && !stop(); i++) {
    const waitUntil = Date.now() + k.killEveryMs * (0.7 + 0.6 * random());
    while (Date.now() < waitUntil && !stop()) await delay(100);
    if (stop()) break;
    const target: FaultTarget = targets[i % targets.length]!;
    const at = Date.now();
    if (target === 'worker') {
      worker.kill();
      await worker.exited;
      await delay(k.downMs);
      worker = await readyWorker(d, null, failures, log);
    } else if (target === 'api') {
      d.api.kill();
      await d.api.exited;
      await delay(k.downMs);
      await d.restartApi();
    } else if (target === 'postgres') {
      execFileSync('sh', ['-c', k.pgRestart], { stdio: 'ignore' });
    } else {
      await cluster.kill(target);
      await delay(k.downMs);
      await cluster.launch(target);
    }
    const backAt = Date.now();
    const startedAt = await probe(desk, `probe-${i}`, 120_000);
    const fault: Fault = {
      at: new Date(at).toISOString(),
      target,
      backMs: backAt - at,
      recoveryMs: startedAt === null ? null : startedAt - at,
    };
    faults.push(fault);
    log(
      `  fault ${faults.length}: ${target === 'postgres' ? 'PostgreSQL restarted' : `kill -9 of ${target}`}, back after ${fault.backMs} ms, ${fault.recoveryMs === null ? 'NO chat could start within 2 min after' : `a new chat started ${fault.recoveryMs} ms after the kill`}`,
    );
  }
  return worker;
}

/** The line the chaos worker `pid` wrote before killing itself, if it did. */
function selfKill(file: string, pid: number): KillRecord | undefined {
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as KillRecord)
    .find((r) => r.pid === pid);
}

/** Waits until the events outbox has not moved for `stillMs` (bounded). */
async function quiet(store: Store, stillMs: number, capMs: number): Promise<number> {
  const t0 = Date.now();
  let last = -1;
  let since = Date.now();
  while (Date.now() - t0 < capMs) {
    const { latestId } = await store.eventLogBounds();
    if (latestId !== last) {
      last = latestId;
      since = Date.now();
    } else if (Date.now() - since >= stillMs) break;
    await delay(500);
  }
  return Date.now() - t0;
}

async function main(): Promise<number> {
  const k = knobs(process.env);
  const log = (line: string) => console.log(line);
  // Ctrl-C: stop the run and clean up (processes, schema); a second one exits at once (processes are still killed).
  let aborted = false;
  const abort = (): void => {
    if (aborted) process.exit(130);
    aborted = true;
    log('stopping (again to exit at once)...');
  };
  process.on('SIGINT', abort);
  process.on('SIGTERM', abort);
  // Before any worker or native connection: the replay at the end runs a worker in this process.
  // Core's own warnings go to that logger too: replaying a history whose last task is pending logs one per history.
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  const scenario = offerScenario({ agents: k.agents });
  const { schema, url, drop } = await freshSchema(k.databaseUrl);
  const dir = mkdtempSync(join(tmpdir(), 'convoflow-chaos-'));
  const cleanups: (() => Promise<void>)[] = [];
  log(
    `chaos run at ${commit()}, seed ${k.seed}: PostgreSQL schema ${schema}${k.keep ? ' (kept)' : ' (dropped at the end)'}, data in ${dir}`,
  );
  try {
    const temporal: TemporalChoice =
      k.temporal === 'cluster' ? { kind: 'cluster', dbUrl: new URL(k.clusterDbUrl), shards: k.clusterShards } : { kind: 'dev server' };
    const d = await deploy(dir, url, scenario.configFile, temporal, (line) => log(`  ${line}`));
    cleanups.push(
      () => d.api.stop(),
      () => d.stopTemporal(),
    );
    log(`${k.temporal} ${d.temporalAddress}, API ${d.apiUrl}`);
    if (k.insideTasks) {
      // The chaos worker's workflow code (the product's plus the kill interceptor), bundled once for every restart.
      const code = (
        await bundleWorkflowCode({
          workflowsPath: require.resolve('../../workflows'),
          workflowInterceptorModules: [KILL_INTERCEPTOR_MODULE],
          logger: new DefaultLogger('ERROR'),
        })
      ).code;
      d.workerEnv.CHAOS_WORKFLOW_BUNDLE = join(dir, 'chaos-workflow-bundle.js');
      writeFileSync(d.workerEnv.CHAOS_WORKFLOW_BUNDLE, code);
    }
    const store = await createStore({ databaseUrl: url, sqliteFile: ':memory:' });
    cleanups.push(() => store.close());
    // A pool, not one client: a PostgreSQL restart (cluster runs) ends every connection.
    const pg = new Pool({ connectionString: url, max: 4 });
    pg.on('error', () => undefined);
    cleanups.push(() => pg.end());
    const { connection, client } = await connectClient(loadConfig({ TEMPORAL_ADDRESS: d.temporalAddress }).temporal);
    cleanups.push(() => connection.close());
    const api = new ApiClient([d.apiUrl], d.adminToken);
    const tokens = new Map<string, string>();
    for (const a of scenario.agents) {
      tokens.set(a.id, (await api.expect<{ token: string }>([201, 200], 'POST', `/api/agents/${a.id}/tokens`, d.adminToken, {})).token);
    }
    const desk = new HttpDesk(api, tokens, pg);
    const ledger = new Ledger();
    const workload = new Workload(
      desk,
      {
        conversations: k.conversations,
        startEveryMs: k.startEveryMs,
        maxLive: k.maxLive,
        queues: scenario.queues,
        agents: scenario.agents,
        requirements: scenario.requirements,
        seed: k.seed,
        tickMs: 500,
      },
      ledger,
      (line) => log(`  ${line}`),
    );
    const monitor = new StoreMonitor(store);
    monitor.start();
    const t0 = Date.now();
    const chaosUntil = t0 + k.maxMinutes * 60_000;
    const kills: Kill[] = [];
    const faults: Fault[] = [];
    const running = workload.run(chaosUntil + k.finishMinutes * 60_000);
    const progress = setInterval(
      () =>
        log(
          `  ${((Date.now() - t0) / 1000).toFixed(0)} s: ${workload.started.size} started, ${workload.live} live, ${k.temporal === 'cluster' ? `${faults.length} faults` : `${kills.length} kills`}`,
        ),
      30_000,
    );
    const aborter = setInterval(() => aborted && workload.stop(), 200);
    cleanups.push(async () => clearInterval(aborter));
    const failures = new TaskFailureLog();
    const worker =
      k.temporal === 'cluster'
        ? await faultLoop(d, k, chaosUntil, () => workload.done || aborted, faults, desk, failures, log)
        : await killLoop(d, k, chaosUntil, () => workload.done || aborted, kills, failures, log);
    const chaosMs = Date.now() - t0;
    // Kills are over: the last worker stays; everyone finishes their chats.
    cleanups.unshift(() => worker.stop());
    workload.finish();
    await running;
    clearInterval(progress);
    if (aborted) return 130;
    const quietMs = await quiet(store, 5_000, 60_000);
    await monitor.sample();
    await monitor.stop();
    log(
      `chaos ${(chaosMs / 1000).toFixed(0)} s, finishing ${((Date.now() - t0 - chaosMs - quietMs) / 1000).toFixed(0)} s, quiet after ${(quietMs / 1000).toFixed(0)} s; checking`,
    );

    const { snapshots, readModelOnly } = await conversationSnapshots(client, pg);
    const healths = await workflowHealth(client, await workflowIds(client), failures);
    const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('ERROR') });
    const replay = await replayAll(bundle, healths);
    const states = await desk.states();
    const unfinished = await describeChats(api, unfinishedIds(states, [...ledger.frozen.keys()]), ledger);
    const summary: Summary = {
      commit: commit(),
      seed: k.seed,
      knobs: { ...k, databaseUrl: k.databaseUrl.replace(/\/\/[^@]*@/, '//…@') },
      wallMs: { chaos: chaosMs, total: Date.now() - t0 },
      kills,
      faults,
      started: workload.started.size,
      failedStarts: workload.failedStarts,
      states,
      unfinished,
      frozen: [...ledger.frozen.keys()],
      snapshots,
      readModelOnly,
      healths,
      replay,
      invariants: await storeInvariantViolations(store, snapshots),
      reservations: await store.listReservations(),
      overCapacity: [...monitor.overCapacity.values()],
      overdueOffers: monitor.overdueBeyond(10_000),
      ledger: ledger.findings(snapshots),
      duplicateStarts: (
        await pg.query<{ customer_id: string; n: string }>(
          'SELECT customer_id, COUNT(*) AS n FROM conversations GROUP BY customer_id HAVING COUNT(*) > 1',
        )
      ).rows.map((r) => `${r.customer_id} x${r.n}`),
      handoff: offerHandoffs(await allEvents(store), monitor.reservedAt, new Map(healths.map((h) => [h.workflowId, h.history]))),
      httpAnswers: Object.fromEntries(desk.statuses),
      monitorSamples: monitor.samples,
    };
    const failed = printSummary(summary, log);
    mkdirSync(dirname(k.out), { recursive: true });
    writeFileSync(
      k.out,
      JSON.stringify(
        {
          ...summary,
          snapshots: undefined,
          healths: summary.healths.map(({ history: _h, ...h }) => h),
          states: Object.fromEntries(summary.states),
        },
        null,
        2,
      ),
    );
    log(`JSON: ${k.out}`);
    return failed ? 1 : 0;
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((e: unknown) => log(`cleanup: ${String(e)}`));
    if (!k.keep) {
      await drop().catch((e: unknown) => log(`could not drop schema ${schema}: ${String(e)}`));
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
