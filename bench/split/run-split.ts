/**
 * `BENCH_MODE=split npm run bench`: the split deployment on this machine, driven
 * over HTTP. The Temporal dev server alone (`dist/src/temporal-dev-server.js`),
 * two worker processes (`dist/src/worker.js`) and two API processes
 * (`dist/src/server.js`) on the PostgreSQL store (a fresh schema of
 * BENCH_DATABASE_URL, dropped at the end). Agents and queues are created with
 * the admin API, conversations started with POST /api/conversations, ended
 * and closed with the operation routes; the bench reads the store's outbox
 * (LISTEN/NOTIFY) to see when each became Active. After quiet, invariants 1-3
 * are checked against the store and every conversation's snapshot (GET
 * /api/conversations/:id).
 */
import { COMMIT_ORDER_TARGET, commitOrderFigures, describeCommitOrder } from './commit-order';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client as PgClient } from 'pg';
import type { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { ConversationSnapshot } from '../../src/domain/snapshot';
import { createStore } from '../../src/store';
import type { Store } from '../../src/store/store';
import { dropClusterDatabases, maintenanceUrl, TemporalCluster } from '../../src/temporal/cluster';
import { connectClient, connectionSettings } from '../../src/temporal/connection';
import { loadConfig } from '../../src/config';
import { runWorker } from '../../src/worker';
import { BARE_TASK_QUEUE, workerTuningEnv } from '../env';
import { invariantViolations } from '../../src/checks/invariants';
import type { Knobs } from '../knobs';
import { OutboxWatcher } from '../outbox';
import { activeOrderInversions } from '../scenarios/fairness';
import { LATENCY_P50_TARGET_MS, LATENCY_P99_TARGET_MS } from '../scenarios/latency';
import { LIFECYCLE_RATIO_TARGET } from '../scenarios/lifecycle';
import { QUOTA_PER_MINUTE } from '../scenarios/store-dispatch';
import type { Row } from '../stats';
import { count, ms, percentile, perMinute, runCapped } from '../stats';
import type { bareWorkflow } from '../workflows';
import { stepUpdate } from '../workflows';
import { ApiClient } from './http';
import type { Started } from './processes';
import { CpuTracker, cpuSince, startProcess } from './processes';

const MB = 2 ** 20;
const APPLICATION_NAME = 'convoflow-bench-split';
const TASK_QUEUE = 'bench-conversations';
const UNITS = 10;

type Log = (line: string) => void;

/** The connection string for one schema, named so the benchmark can find its PostgreSQL backends. */
function schemaUrl(base: string, schema: string): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  url.searchParams.set('application_name', APPLICATION_NAME);
  return url.toString();
}

/** PostgreSQL backends serving this benchmark's connections (their pids are this machine's processes). */
async function postgresPids(admin: PgClient): Promise<string[]> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [APPLICATION_NAME]);
  return rows.map((r) => String(r.pid));
}

/** Which Temporal the split deployment runs on. */
export type SplitTemporal = 'dev server' | 'cluster';

interface Deployment {
  /** The Temporal processes (the dev server with its CLI, or the cluster's four services). */
  temporalPids: () => Promise<string[]>;
  workers: Started[];
  apis: Started[];
  api: ApiClient;
  store: Store;
  outbox: OutboxWatcher;
  client: Client;
  pg: PgClient;
  cpu: CpuTracker;
}

/** Core-milliseconds per assignment, per group of processes. */
function perAssignment(used: Map<string, number>, assigned: number): Map<string, number> {
  return new Map([...used].map(([group, sec]) => [group, (sec * 1000) / Math.max(assigned, 1)]));
}

function describeGroups(used: Map<string, number>, unit: string, digits = 1): string {
  return ['workers', 'apis', 'temporal', 'postgres', 'bench'].map((g) => `${g} ${(used.get(g) ?? 0).toFixed(digits)}${unit}`).join(', ');
}

/** The role the cluster's databases are created with (BENCH_CLUSTER_DB_URL, else TEMPORAL_CLUSTER_DB_URL, else start:cluster's default). */
function clusterDbUrl(): URL {
  return new URL(process.env.BENCH_CLUSTER_DB_URL || process.env.TEMPORAL_CLUSTER_DB_URL || 'postgres://temporal:temporal@127.0.0.1:5432');
}

/** A Temporal cluster on databases of its own (dropped when it stops), or the dev server alone; answers its address and processes. */
async function startTemporal(
  k: Knobs,
  temporal: SplitTemporal,
  dir: string,
  base: NodeJS.ProcessEnv,
  log: Log,
  stops: (() => Promise<void>)[],
): Promise<{ address: string; pids: () => Promise<string[]> }> {
  if (temporal === 'cluster') {
    const dbUrl = clusterDbUrl();
    const database = `bench_temporal_${randomBytes(4).toString('hex')}`;
    const shards = Number(process.env.BENCH_CLUSTER_SHARDS || 16);
    stops.push(() => dropClusterDatabases(dbUrl, database).catch((e: unknown) => log(`could not drop ${database}: ${String(e)}`)));
    const cluster = await TemporalCluster.start({ dbUrl, database, shards, port: k.temporalPort + 200, dataDir: dir, log });
    stops.push(() => cluster.stop());
    // Its database's backends count as Temporal's, as the dev server's SQLite does (in its process).
    const observer = new PgClient({ connectionString: maintenanceUrl(dbUrl) });
    await observer.connect();
    stops.push(() => observer.end());
    const databases = [database, `${database}_visibility`];
    const dbPids = async () =>
      (await observer.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = ANY($1)', [databases])).rows.map((r) =>
        String(r.pid),
      );
    return { address: cluster.address, pids: async () => [...cluster.pids(), ...(await dbPids())] };
  }
  const port = k.temporalPort + 100;
  const server = startProcess(
    'temporal',
    'temporal-dev-server.js',
    { ...base, TEMPORAL_DEV_SERVER_PORT: String(port), TEMPORAL_UI_PORT: String(k.uiPort + 100) },
    /dev server ready/,
  );
  stops.push(() => server.stop());
  await server.ready;
  log(`Temporal dev server alone on 127.0.0.1:${port} (pid ${server.child.pid})`);
  return { address: `127.0.0.1:${port}`, pids: async () => server.pids() };
}

let runtimeInstalled = false;

/** Starts every process of the split deployment; the returned stop() takes them down in reverse order. */
async function deploy(
  k: Knobs,
  temporal: SplitTemporal,
  databaseUrl: string,
  dir: string,
  log: Log,
  stops: (() => Promise<void>)[],
): Promise<Deployment> {
  const adminToken = randomBytes(24).toString('hex');
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CONVOFLOW_DATA_DIR: dir,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    TEMPORAL_SDK_LOG_LEVEL: process.env.BENCH_SDK_LOG_LEVEL ?? 'ERROR',
    ...(process.env.TEMPORAL_CLI_PATH ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH } : {}),
  };
  const { address, pids: temporalPids } = await startTemporal(k, temporal, dir, base, log, stops);

  const store = await createStore({ databaseUrl, sqliteFile: ':memory:' });
  stops.push(() => store.close());
  const remote = { ...base, TEMPORAL_ADDRESS: address, DATABASE_URL: databaseUrl, ...workerTuningEnv() };
  const workers = [0, 1].map((i) => startProcess(`worker-${i}`, 'worker.js', remote, /Worker polling/));
  for (const w of workers) stops.push(() => w.stop());
  const secret = randomBytes(32).toString('hex');
  const apiPorts = [k.splitApiPort, k.splitApiPort + 1];
  const apis = apiPorts.map((p, i) =>
    startProcess(
      `api-${i}`,
      'server.js',
      {
        ...remote,
        HOST: '127.0.0.1',
        PORT: String(p),
        CONVOFLOW_ADMIN_TOKEN: adminToken,
        CONVOFLOW_SECRET: secret,
        // One client (this benchmark) starts every conversation.
        CONVOFLOW_START_RATE_PER_MINUTE: '10000000',
      },
      /API listening/,
    ),
  );
  for (const a of apis) stops.push(() => a.stop());
  await Promise.all([...workers, ...apis].map((p) => p.ready));
  log(
    `2 workers (pids ${workers.map((w) => w.child.pid).join(', ')}) and 2 APIs (${apiPorts.map((p) => `127.0.0.1:${p}`).join(', ')}) running`,
  );

  const config = loadConfig({ TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: TASK_QUEUE, CONVOFLOW_DATA_DIR: dir });
  // This process runs only the bare baseline worker; its SDK log would drown the report.
  if (!runtimeInstalled) Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('ERROR') });
  runtimeInstalled = true;
  const { connection, client } = await connectClient(config.temporal);
  stops.push(() => connection.close());
  const bareConnection = await NativeConnection.connect(connectionSettings(config.temporal));
  const bare = await Worker.create({
    connection: bareConnection,
    namespace: config.temporal.namespace,
    taskQueue: BARE_TASK_QUEUE,
    workflowsPath: require.resolve('../workflows'),
  });
  const bareRunning = runWorker(bare, bareConnection);
  stops.push(() => bareRunning.shutdown());

  const outbox = await OutboxWatcher.start(store);
  stops.push(() => outbox.stop());
  const pg = new PgClient({ connectionString: databaseUrl });
  await pg.connect();
  stops.push(() => pg.end());
  const cpu = new CpuTracker(async () => {
    return new Map([
      ['workers', workers.flatMap((w) => w.pids())],
      ['apis', apis.flatMap((a) => a.pids())],
      ['temporal', await temporalPids()],
      ['postgres', await postgresPids(pg)],
      ['bench', [String(process.pid)]],
    ]);
  });
  stops.push(async () => cpu.stop());
  const api = new ApiClient(
    apiPorts.map((p) => `http://127.0.0.1:${p}`),
    adminToken,
  );
  return { temporalPids, workers, apis, api, store, outbox, client, pg, cpu };
}

/** Agent tokens by agent id (the admin API hands each out once). */
type Tokens = Map<string, string>;

async function createQueues(d: Deployment, ids: string[]): Promise<void> {
  await runCapped(ids.length, 10, 120_000, (i) => d.api.expect([201], 'POST', '/api/queues', d.api.adminToken, { id: ids[i] }));
}

async function createAgents(
  d: Deployment,
  tokens: Tokens,
  prefix: string,
  n: number,
  queuesOf: (i: number) => string[],
  capacity: number,
): Promise<number> {
  const t0 = performance.now();
  const run = await runCapped(n, 20, 300_000, async (i) => {
    const id = `${prefix}-a${String(i).padStart(5, '0')}`;
    const body = await d.api.expect<{ token: string }>([201], 'POST', '/api/agents', d.api.adminToken, {
      id,
      capacity,
      presence: 'Available',
      queues: queuesOf(i),
    });
    tokens.set(id, body.token);
  });
  if (run.failures) throw new Error(`${run.failures} agent creations failed: ${run.firstError}`);
  return performance.now() - t0;
}

/** POST /api/conversations; answers the conversation id and the time of the call. */
async function startChat(d: Deployment, queueId: string, key: string): Promise<{ id: string; at: number }> {
  const at = Date.now();
  const body = await d.api.expect<{ conversation: { conversationId: string } }>(
    [201],
    'POST',
    '/api/conversations',
    null,
    { customer: { id: `cust-${key}` }, queueId },
    { 'Idempotency-Key': key },
  );
  return { id: body.conversation.conversationId, at };
}

/** End then close tab, as the assigned agent. */
async function finish(d: Deployment, tokens: Tokens, id: string): Promise<void> {
  const view = await d.store.getConversation(id);
  const token = view?.agentId ? tokens.get(view.agentId) : undefined;
  if (!token) throw new Error(`${id}: no agent token for ${view?.agentId}`);
  await d.api.expect([200], 'POST', `/api/conversations/${id}/end`, token, {});
  await d.api.expect([200], 'POST', `/api/conversations/${id}/close-tab`, token, {});
}

/** Waits until the outbox has been still for `stillMs` (bounded). */
async function quiet(d: Deployment, stillMs: number, capMs: number): Promise<number> {
  const t0 = performance.now();
  let last = d.outbox.eventsRead;
  let since = performance.now();
  while (performance.now() - t0 < capMs) {
    await delay(250);
    if (d.outbox.eventsRead !== last) {
      last = d.outbox.eventsRead;
      since = performance.now();
    } else if (performance.now() - since >= stillMs) break;
  }
  return performance.now() - t0;
}

/**
 * Runs the split benchmark on the dev server or on a Temporal cluster;
 * answers the summary rows and prints the detail. The outbox's commit-order
 * figure (the store's, whatever Temporal) comes with the dev server's run.
 */
export async function runSplit(k: Knobs, log: Log, temporal: SplitTemporal = 'dev server'): Promise<Row[]> {
  const baseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!baseUrl)
    throw new Error('BENCH_MODE=split needs BENCH_DATABASE_URL (or TEST_DATABASE_URL): a PostgreSQL database it may create a schema in');
  const schema = `bench_split_${randomBytes(6).toString('hex')}`;
  const admin = new PgClient({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const dir = mkdtempSync(join(tmpdir(), 'convoflow-bench-split-'));
  const stops: (() => Promise<void>)[] = [];
  const rows: Row[] = [];
  const name = (s: string) => `${temporal === 'cluster' ? 'cluster' : 'split'} ${s}`;
  try {
    log(`PostgreSQL schema ${schema} (dropped at the end); data in ${dir}`);
    const d = await deploy(k, temporal, schemaUrl(baseUrl, schema), dir, log, stops);
    const tokens: Tokens = new Map();
    const ids: string[] = [];

    // Seeding through the admin API.
    const tp = Array.from({ length: k.storeQueues }, (_, i) => `tp-q${String(i).padStart(3, '0')}`);
    await createQueues(d, ['lat', 'life', 'fair', ...tp]);
    const agentMs = await createAgents(d, tokens, 'tp', k.e2eAgents, (i) => [tp[i % tp.length] ?? ''], 100);
    await createAgents(d, tokens, 'lat', 1, () => ['lat'], UNITS * (k.latencyCount + 20));
    await createAgents(d, tokens, 'life', 5, () => ['life'], UNITS * k.lifecycleConcurrency);
    await createAgents(d, tokens, 'fair', k.fairAgents, () => ['fair'], 2 * UNITS);
    log(
      `seeded through the admin API: ${3 + tp.length} queues, ${count(tokens.size)} agents (${count(k.e2eAgents)} in ${(agentMs / 1000).toFixed(1)} s)`,
    );

    // 1. Latency, one at a time.
    for (let i = 0; i < 5; i++) ids.push((await startChat(d, 'lat', `warm-${i}`)).id);
    const wall: number[] = [];
    const lat = await runCapped(k.latencyCount, 1, k.capMs, async (i) => {
      const { id, at } = await startChat(d, 'lat', `lat-${i}`);
      ids.push(id);
      wall.push((await d.outbox.waitFor(id, 'Active', 30_000)).at - at);
    });
    const p50 = percentile(wall, 50);
    const p99 = percentile(wall, 99);
    log(
      `## latency: n=${wall.length}${lat.failures ? `, ${lat.failures} failed (${lat.firstError})` : ''}; POST /api/conversations -> outbox shows Active: p50 ${ms(p50)} p99 ${ms(p99)}`,
    );
    rows.push({
      scenario: name('1 latency'),
      figure: 'wall p50 / p99 (POST /api/conversations -> outbox shows Active)',
      value: `${ms(p50)} / ${ms(p99)}`,
      target: `<= ${LATENCY_P50_TARGET_MS} ms / <= ${LATENCY_P99_TARGET_MS} ms`,
      met: p50 <= LATENCY_P50_TARGET_MS && p99 <= LATENCY_P99_TARGET_MS,
    });

    // 5. End to end.
    await d.cpu.sample();
    const cpu0 = d.cpu.snapshot();
    const first = Date.now();
    const t0 = performance.now();
    const e2eIds: string[] = [];
    const e2e = await runCapped(k.e2eConversations, k.e2eStartConcurrency, k.capMs, async (i) => {
      const { id } = await startChat(d, tp[i % tp.length] ?? '', `tp-${i}`);
      e2eIds.push(id);
    });
    for (let waited = 0; waited < k.capMs && d.outbox.countIn('Active', e2eIds) < e2eIds.length; waited += 100) await delay(100);
    await d.cpu.sample();
    const used = cpuSince(cpu0, d.cpu.snapshot());
    const wallSec = (performance.now() - t0) / 1000;
    ids.push(...e2eIds);
    const activeAt = e2eIds.map((id) => d.outbox.seen(id, 'Active')?.at).filter((x): x is number => x !== undefined);
    const span = Math.max(...activeAt) - first;
    const rate = perMinute(activeAt.length, span);
    const per = perAssignment(used, activeAt.length);
    const cores = new Map([...used].map(([g, s]) => [g, s / wallSec]));
    log(
      `## end to end: ${count(activeAt.length)} of ${count(k.e2eConversations)} Active in ${ms(span)} = ${count(rate)}/min (${k.e2eStartConcurrency} POSTs in flight over 2 APIs, ${tp.length} queues, ${count(k.e2eAgents)} agents)${e2e.failures ? `; ${e2e.failures} failed (${e2e.firstError})` : ''}`,
    );
    log(`  cores busy: ${describeGroups(cores, '')}`);
    log(`  CPU per assignment (core-ms): ${describeGroups(per, '')}`);
    rows.push(
      {
        scenario: name('5 end to end'),
        figure: `assignments/min, ${count(k.e2eConversations)} POSTed into ${tp.length} queues, ${count(k.e2eAgents)} agents`,
        value: count(rate),
        target: `>= ${count(QUOTA_PER_MINUTE)}`,
        met: rate >= QUOTA_PER_MINUTE,
      },
      {
        scenario: name('5 end to end'),
        figure: 'CPU per assignment, core-ms: workers / APIs / Temporal (with its database) / PostgreSQL store',
        value: ['workers', 'apis', 'temporal', 'postgres'].map((g) => (per.get(g) ?? 0).toFixed(1)).join(' / '),
      },
    );

    // 6. Lifecycle over HTTP vs bare workflows through the client.
    await d.cpu.sample();
    const lifeCpu0 = d.cpu.snapshot();
    const lifeRun = await runCapped(k.lifecycleCount, k.lifecycleConcurrency, k.capMs, async (i) => {
      const { id } = await startChat(d, 'life', `life-${i}`);
      ids.push(id);
      await d.outbox.waitFor(id, 'Active', 30_000);
      await finish(d, tokens, id);
    });
    await d.cpu.sample();
    const lifeUsed = cpuSince(lifeCpu0, d.cpu.snapshot());
    const perLife = perAssignment(lifeUsed, lifeRun.results.length);
    const bareRun = await runCapped(k.lifecycleCount, k.lifecycleConcurrency, k.capMs, async (i) => {
      const handle = await d.client.workflow.start<typeof bareWorkflow>('bareWorkflow', {
        workflowId: `bare-${i}`,
        taskQueue: BARE_TASK_QUEUE,
        args: [2],
      });
      await handle.executeUpdate(stepUpdate);
      await handle.executeUpdate(stepUpdate);
    });
    const lifeRate = (lifeRun.results.length / lifeRun.elapsedMs) * 1000;
    const bareRate = (bareRun.results.length / bareRun.elapsedMs) * 1000;
    log(
      `## lifecycle over HTTP (POST start, Active in the outbox, POST end, POST close-tab): ${lifeRun.results.length} in ${(lifeRun.elapsedMs / 1000).toFixed(1)} s = ${lifeRate.toFixed(1)}/s${lifeRun.failures ? `, ${lifeRun.failures} failed (${lifeRun.firstError})` : ''}; bare workflows (client start + 2 updates): ${bareRate.toFixed(1)}/s`,
    );
    log(`  CPU per lifecycle (core-ms): ${describeGroups(perLife, '')}`);
    rows.push({
      scenario: name('6 lifecycle'),
      figure: 'CPU per lifecycle, core-ms: workers / APIs / Temporal (with its database) / PostgreSQL store',
      value: ['workers', 'apis', 'temporal', 'postgres'].map((g) => (perLife.get(g) ?? 0).toFixed(1)).join(' / '),
    });
    rows.push({
      scenario: name('6 lifecycle'),
      figure: 'lifecycle over HTTP / bare workflow through the client',
      value: `${lifeRate.toFixed(1)} / ${bareRate.toFixed(1)} per s = ${(lifeRate / bareRate).toFixed(2)}`,
      target: `>= ${LIFECYCLE_RATIO_TARGET}`,
      met: lifeRate / bareRate >= LIFECYCLE_RATIO_TARGET,
    });

    // 7. Fairness under load, in the order the outbox shows.
    const fairIds: string[] = [];
    d.outbox.keepStateEvents = true;
    const fairRun = await runCapped(k.fairConversations, k.fairConcurrency, k.capMs, async (i) => {
      const { id } = await startChat(d, 'fair', `fair-${i}`);
      fairIds.push(id);
      await d.outbox.waitFor(id, 'Active', 60_000);
      await finish(d, tokens, id);
    });
    ids.push(...fairIds);
    d.outbox.keepStateEvents = false;
    const shown = activeOrderInversions(d.outbox.stateEvents, new Set(fairIds));
    log(
      `## fairness: ${fairRun.results.length} conversations through ${k.fairAgents} agents with room for two each (${k.fairConcurrency} in flight)${fairRun.failures ? `, ${fairRun.failures} failed (${fairRun.firstError})` : ''}; shown Active while an older one was still Open: ${shown}`,
    );
    rows.push({
      scenario: name('7 fairness'),
      figure: 'conversations shown Active while an older one was still shown Open (outbox order; decision order: embedded scenario 7)',
      value: String(shown),
    });

    // Memory of each worker.
    const rss = d.workers.map((w) => w.rss());
    log(
      `## worker RSS: ${rss.map((r) => `${(r / MB).toFixed(0)} MB`).join(', ')} (${count(ids.length)} conversations so far, most closed)`,
    );
    rows.push({
      scenario: name('4 memory'),
      figure: 'RSS of each worker process',
      value: rss.map((r) => `${(r / MB).toFixed(0)} MB`).join(', '),
    });

    // Invariants 1-3 after quiet.
    const waited = await quiet(d, 3_000, 60_000);
    // Every conversation the store knows, not only those whose POST answered: a start whose answer
    // was lost (a timeout under load) still runs and may hold a reservation.
    const known = (await d.pg.query<{ conversation_id: string }>('SELECT conversation_id FROM conversations')).rows.map(
      (r) => r.conversation_id,
    );
    const asked = new Set(ids);
    const unanswered = known.filter((id) => !asked.has(id)).length;
    const snapshots: ConversationSnapshot[] = [];
    const snap = await runCapped(known.length, 20, 300_000, async (i) => {
      const body = await d.api.expect<{ conversation: ConversationSnapshot }>(
        [200],
        'GET',
        `/api/conversations/${known[i]}`,
        d.api.adminToken,
      );
      snapshots.push(body.conversation);
    });
    const problems = invariantViolations(
      { agents: await d.store.listAgents(), reservations: await d.store.listReservations(), queues: await d.store.listQueues() },
      snapshots,
    );
    log(
      `## invariants 1-3 after ${(waited / 1000).toFixed(1)} s to quiet, over ${count(snapshots.length)} snapshots (GET /api/conversations/:id of every conversation in the store, ${unanswered} of them started by a POST that got no 201)${snap.failures ? `, ${snap.failures} reads failed (${snap.firstError})` : ''}: ${problems.length ? `${problems.length} VIOLATIONS: ${problems.slice(0, 5).join('; ')}` : 'all hold'}`,
    );
    rows.push({
      scenario: name('invariants'),
      figure: `1-3 after quiet (${count(snapshots.length)} conversations)`,
      value: problems.length ? `${problems.length} violations` : 'hold',
      target: 'hold',
      met: problems.length === 0 && snap.failures === 0,
    });
    log(`  ${count(d.api.requests)} HTTP requests in all`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => log(`shutdown: ${String(e)}`));
    await admin.query(`DROP SCHEMA ${schema} CASCADE`).catch((e: unknown) => log(`could not drop ${schema}: ${String(e)}`));
    await admin.end();
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
  if (temporal === 'cluster') return rows;
  // After the deployment has stopped, so nothing else writes to the database.
  const order = await commitOrderFigures(baseUrl);
  log('## PostgreSQL outbox: ordered vs unordered commits');
  for (const line of describeCommitOrder(order)) log(`  ${line}`);
  rows.push({
    scenario: name('outbox'),
    figure: 'ordered ÷ unordered write transactions/s',
    value: (order.ordered / order.unordered).toFixed(2),
    target: `>= ${COMMIT_ORDER_TARGET}`,
    met: order.ordered / order.unordered >= COMMIT_ORDER_TARGET,
  });
  return rows;
}

/**
 * The cluster's rows with the dev server's figure of the same run beside each
 * (`BENCH_MODE=cluster`); targets are judged on the cluster's.
 */
export function besideDevServer(devServer: Row[], cluster: Row[]): Row[] {
  // The figure's words without the counts in brackets (the runs' conversation counts differ).
  const key = (r: Row, prefix: RegExp) => `${r.scenario.replace(prefix, '')}\u0000${r.figure.replace(/\s*\([^)]*\)/g, '')}`;
  const dev = new Map(devServer.map((r) => [key(r, /^split /), r.value]));
  return [
    ...cluster.map((r) => {
      const other = dev.get(key(r, /^cluster /));
      return { ...r, value: `${r.value} (dev server: ${other ?? 'not measured'})` };
    }),
    ...devServer.filter((r) => r.scenario === 'split outbox'),
  ];
}
