// `npm run start:cluster`: convoflow on a real Temporal cluster on this machine.
//
// Builds the Temporal server and its SQL tool from their Go module (once, into
// .temporal-cache/server/<version>/; opt-in, never part of npm install), creates
// Temporal's two databases on PostgreSQL (default and visibility, the postgres12
// plugin) and brings their schemas up to date, starts frontend, history,
// matching and the internal worker as separate processes bound to 127.0.0.1,
// creates the namespace, then starts two convoflow workers and two APIs on the
// PostgreSQL store (each registers the search attributes it needs). Ctrl-C
// stops everything it started, in reverse order. Settings: docs/scale.md.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot } from '../project-root';
import { StartupError } from '../startup-error';
import { createDatabase, startLogged, stopChild, TemporalCluster, until } from '../temporal/cluster';

const log = (line: string): void => console.log(`[cluster] ${line}`);

function setting(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

function positiveInt(name: string, fallback: number, max: number): number {
  const raw = setting(name, String(fallback));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new StartupError(`${name}=${raw}: expected a whole number from 1 to ${max}`);
  return n;
}

const stops: (() => Promise<void>)[] = [];
let stopping = false;

async function stopAll(): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const stop of stops.reverse()) await stop().catch((e: unknown) => log(`stopping: ${String(e)}`));
}

function product(name: string, dataDir: string, file: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = startLogged(dataDir, name, process.execPath, [join(projectRoot(), 'dist', 'src', file)], env);
  child.on('exit', (code, signal) => {
    if (!stopping) log(`${name} exited (${signal ?? code}); see ${join(dataDir, 'logs', `${name}.log`)}`);
  });
  stops.push(async () => {
    await stopChild(child);
    log(`${name} stopped`);
  });
  log(`${name} started (pid ${child.pid})`);
  return child;
}

async function main(): Promise<void> {
  const dbUrl = new URL(setting('TEMPORAL_CLUSTER_DB_URL', 'postgres://temporal:temporal@127.0.0.1:5432'));
  const shards = positiveInt('TEMPORAL_CLUSTER_SHARDS', 16, 16_384);
  const port = positiveInt('TEMPORAL_CLUSTER_PORT', 7233, 65_000);
  const apiPorts = setting('CONVOFLOW_CLUSTER_API_PORTS', '3000,3001').split(',').map(Number);
  if (apiPorts.length !== 2 || apiPorts.some((p) => !Number.isInteger(p) || p < 1 || p > 65_535))
    throw new StartupError(
      `CONVOFLOW_CLUSTER_API_PORTS=${setting('CONVOFLOW_CLUSTER_API_PORTS', '')}: expected two ports, comma-separated`,
    );
  const dataDir = resolve(setting('CONVOFLOW_DATA_DIR', join(projectRoot(), 'data', 'cluster')));

  const cluster = await TemporalCluster.start({ dbUrl, database: 'temporal', shards, port, dataDir, log });
  stops.push(() => cluster.stop());
  let databaseUrl = setting('DATABASE_URL', '');
  if (!databaseUrl) {
    await createDatabase(dbUrl, 'convoflow_cluster');
    const url = new URL(dbUrl.href);
    url.pathname = '/convoflow_cluster';
    databaseUrl = url.href;
  }
  const env = { TEMPORAL_ADDRESS: cluster.address, DATABASE_URL: databaseUrl, CONVOFLOW_DATA_DIR: dataDir, HOST: '127.0.0.1' };
  for (const n of [1, 2]) product(`convoflow-worker-${n}`, dataDir, 'worker.js', env);
  // One API first: it generates the admin token and secret into the data directory the second one reads.
  for (const [i, apiPort] of apiPorts.entries()) {
    product(`convoflow-api-${i + 1}`, dataDir, 'server.js', { ...env, PORT: String(apiPort) });
    await until(
      `API ${i + 1}`,
      () =>
        fetch(`http://127.0.0.1:${apiPort}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      120_000,
    );
    log(`API ${i + 1} on http://127.0.0.1:${apiPort}`);
  }
  const token = join(dataDir, 'admin-token');
  log(
    `ready. Admin token: ${existsSync(token) ? `in ${token}` : 'CONVOFLOW_ADMIN_TOKEN'}; logs in ${join(dataDir, 'logs')}. Ctrl-C stops everything.`,
  );
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    void stopAll().then(() => process.exit(0));
  });
}

main().catch(async (error: unknown) => {
  console.error(error instanceof StartupError ? `[cluster] ${error.message}` : error);
  await stopAll();
  process.exit(1);
});
