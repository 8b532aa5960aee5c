#!/usr/bin/env node
// `npm run start:cluster`: convoflow on a real Temporal cluster on this machine.
//
// Builds the Temporal server and its SQL tool from their Go module (once, into
// .temporal-cache/server/<version>/; opt-in, never part of npm install), creates
// Temporal's two databases on PostgreSQL (default and visibility, the postgres12
// plugin) and brings their schemas up to date, starts frontend, history,
// matching and the internal worker as separate processes bound to 127.0.0.1,
// creates the namespace, then starts two convoflow workers and two APIs on the
// PostgreSQL store (each registers the search attributes it needs). Ctrl-C
// stops everything it started, in reverse order.
//
// Settings (environment):
//   TEMPORAL_CLUSTER_DB_URL  a PostgreSQL role that may create databases
//                            (default postgres://temporal:temporal@127.0.0.1:5432)
//   TEMPORAL_CLUSTER_SHARDS  history shards (default 16; fixed once the databases exist)
//   TEMPORAL_CLUSTER_PORT    the frontend's gRPC port (default 7233); history +1,
//                            matching +2, internal worker +6, frontend HTTP +10,
//                            membership ports 300 below each
//   DATABASE_URL             convoflow's store (default: database convoflow_cluster,
//                            created with the role above)
//   CONVOFLOW_CLUSTER_API_PORTS  the two APIs' ports (default 3000,3001)
//   CONVOFLOW_DATA_DIR       where logs, the rendered config and the generated
//                            admin token and secret go (default data/cluster)

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

/** The server the embedded dev server runs (CLI v1.5.1) and docker-compose.yml pins. */
const SERVER_VERSION = 'v1.29.1';
const MODULE = 'go.temporal.io/server';
const SERVICES = ['history', 'matching', 'frontend', 'worker'];
const PORT_OFFSET = { frontend: 0, history: 1, matching: 2, worker: 6 };

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.temporal-cache', 'server', SERVER_VERSION);
const serverBin = join(cache, 'bin', 'server');
const sqlToolBin = join(cache, 'bin', 'sql');
const schemaDir = join(cache, 'schema');
const cliBin = process.env.TEMPORAL_CLI_PATH ?? join(root, '.temporal-cache', 'bin', 'temporal');

const log = (line) => console.log(`[cluster] ${line}`);
class Refusal extends Error {}

function setting(name, fallback) {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

function positiveInt(name, fallback, max) {
  const raw = setting(name, String(fallback));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Refusal(`${name}=${raw}: expected a whole number from 1 to ${max}`);
  return n;
}

const dbUrl = new URL(setting('TEMPORAL_CLUSTER_DB_URL', 'postgres://temporal:temporal@127.0.0.1:5432'));
const shards = positiveInt('TEMPORAL_CLUSTER_SHARDS', 16, 16_384);
const port = positiveInt('TEMPORAL_CLUSTER_PORT', 7233, 65_000);
const apiPorts = setting('CONVOFLOW_CLUSTER_API_PORTS', '3000,3001').split(',').map(Number);
const dataDir = resolve(setting('CONVOFLOW_DATA_DIR', join(root, 'data', 'cluster')));
const address = `127.0.0.1:${port}`;

/** Runs a command to its end; its output is shown only when it fails (or returned). */
function run(command, args, { allowFailure = false } = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.error) throw new Refusal(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0 && !allowFailure) {
    throw new Refusal(`${command} ${args.join(' ')} exited with ${result.status}:\n${output.trim().split('\n').slice(-15).join('\n')}`);
  }
  return { ok: result.status === 0, output };
}

/** The server and SQL tool, built once per version (into a scratch folder, renamed when done). */
function provision() {
  if (existsSync(serverBin) && existsSync(sqlToolBin) && existsSync(schemaDir)) return;
  if (spawnSync('go', ['version']).status !== 0)
    throw new Refusal('Go 1.25+ is needed to build the Temporal server (install it, then run again).');
  log(`building the Temporal server ${SERVER_VERSION} and its SQL tool with go install (several minutes the first time)...`);
  const scratch = join(cache, 'bin.tmp');
  rmSync(scratch, { recursive: true, force: true });
  const build = spawnSync('go', ['install', `${MODULE}/cmd/server@${SERVER_VERSION}`, `${MODULE}/cmd/tools/sql@${SERVER_VERSION}`], {
    env: { ...process.env, GOBIN: scratch, CGO_ENABLED: '0' },
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Refusal(`go install of the Temporal server ${SERVER_VERSION} failed (above).`);
  // The versioned schema steps ship in the module, beside the code just built.
  const modCache = run('go', ['env', 'GOMODCACHE']).output.trim();
  cpSync(join(modCache, `${MODULE}@${SERVER_VERSION}`, 'schema', 'postgresql', 'v12'), schemaDir, { recursive: true });
  // The module cache is read-only; the copy must not be, or removing .temporal-cache fails.
  run('chmod', ['-R', 'u+w', schemaDir]);
  mkdirSync(dirname(serverBin), { recursive: true });
  renameSync(join(scratch, 'server'), serverBin);
  renameSync(join(scratch, 'sql'), sqlToolBin);
  rmSync(scratch, { recursive: true, force: true });
}

function sqlTool(database, ...args) {
  return run(
    sqlToolBin,
    [
      ...['--plugin', 'postgres12', '--endpoint', dbUrl.hostname, '--port', dbUrl.port || '5432'],
      ...['--user', decodeURIComponent(dbUrl.username), '--password', decodeURIComponent(dbUrl.password), '--database', database],
      ...args,
    ],
    { allowFailure: args[0] === 'create-database' || args[0] === 'setup-schema' },
  );
}

/** Creates a database if it is missing and brings its schema to the latest version (idempotent). */
function schema(database, steps) {
  const created = sqlTool(database, 'create-database');
  if (!created.ok && !/already exists/.test(created.output)) throw new Refusal(`could not create database ${database}:\n${created.output}`);
  const setUp = sqlTool(database, 'setup-schema', '-v', '0.0');
  if (!setUp.ok && !/already exists/.test(setUp.output)) throw new Refusal(`could not set up ${database}:\n${setUp.output}`);
  sqlTool(database, 'update-schema', '-d', join(schemaDir, steps, 'versioned'));
  log(`database ${database}: schema up to date`);
}

function renderConfig() {
  const store = (database, conns) => `      sql:
        pluginName: postgres12
        databaseName: ${database}
        connectAddr: "${dbUrl.hostname}:${dbUrl.port || '5432'}"
        connectProtocol: tcp
        user: "${decodeURIComponent(dbUrl.username)}"
        password: "${decodeURIComponent(dbUrl.password)}"
        maxConns: ${conns}
        maxIdleConns: ${conns}
        maxConnLifetime: 1h`;
  const service = (name) => `  ${name}:
    rpc:
      grpcPort: ${port + PORT_OFFSET[name]}
      membershipPort: ${port - 300 + PORT_OFFSET[name]}
      bindOnLocalHost: true${name === 'frontend' ? `\n      httpPort: ${port + 10}` : ''}`;
  const dir = join(dataDir, 'temporal', 'config');
  mkdirSync(dir, { recursive: true });
  cpSync(join(root, 'config', 'temporal-dynamic-config.yaml'), join(dir, 'dynamicconfig.yaml'));
  writeFileSync(
    join(dir, 'development.yaml'),
    `# Rendered by scripts/start-cluster.mjs; edits are overwritten at the next start.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${shards}
  datastores:
    default:
${store('temporal', 20)}
    visibility:
${store('temporal_visibility', 5)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
${SERVICES.map(service).join('\n')}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: ${address}
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${join(dir, 'dynamicconfig.yaml')}
  pollInterval: 10s
`,
  );
  return join(dataDir, 'temporal');
}

const children = [];
let stopping = false;

/** Starts a long-running process, its output into <dataDir>/logs/<name>.log. */
function start(name, command, args, env = {}) {
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const out = createWriteStream(join(dataDir, 'logs', `${name}.log`), { flags: 'a' });
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  child.on('exit', (code, signal) => {
    if (!stopping) log(`${name} exited (${signal ?? code}); see ${join(dataDir, 'logs', `${name}.log`)}`);
  });
  children.push({ name, child });
  log(`${name} started (pid ${child.pid})`);
  return child;
}

async function until(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Refusal(`${what} not ready after ${timeoutMs / 1000} s (logs in ${join(dataDir, 'logs')})`);
    await delay(500);
  }
}

async function stopAll() {
  if (stopping) return;
  stopping = true;
  for (const { name, child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    const exited = new Promise((r) => child.once('exit', r));
    if ((await Promise.race([exited.then(() => true), delay(15_000).then(() => false)])) === false) child.kill('SIGKILL');
    log(`${name} stopped`);
  }
}

async function main() {
  provision();
  schema('temporal', 'temporal');
  schema('temporal_visibility', 'visibility');
  const storeUrl = setting('DATABASE_URL', '');
  let databaseUrl = storeUrl;
  if (!databaseUrl) {
    const created = run(
      sqlToolBin,
      [
        '--plugin',
        'postgres12',
        '--endpoint',
        dbUrl.hostname,
        '--port',
        dbUrl.port || '5432',
        '--user',
        decodeURIComponent(dbUrl.username),
        '--password',
        decodeURIComponent(dbUrl.password),
        '--database',
        'convoflow_cluster',
        'create-database',
      ],
      { allowFailure: true },
    );
    if (!created.ok && !/already exists/.test(created.output))
      throw new Refusal(`could not create the store's database:\n${created.output}`);
    const url = new URL(dbUrl.href);
    url.pathname = '/convoflow_cluster';
    databaseUrl = url.href;
  }
  const temporalRoot = renderConfig();
  for (const service of SERVICES) {
    start(`temporal-${service}`, serverBin, [
      '--root',
      temporalRoot,
      '--config',
      'config',
      '--env',
      'development',
      '--allow-no-auth',
      'start',
      '--service',
      service,
    ]);
  }
  await until(
    'the frontend',
    () => run(cliBin, ['operator', 'cluster', 'health', '--address', address], { allowFailure: true }).ok,
    120_000,
  );
  const ns = run(cliBin, ['operator', 'namespace', 'create', '--address', address, '--namespace', 'default', '--retention', '72h'], {
    allowFailure: true,
  });
  if (!ns.ok && !/already/i.test(ns.output)) throw new Refusal(`could not create the namespace:\n${ns.output}`);
  await until(
    'the namespace',
    () => run(cliBin, ['operator', 'namespace', 'describe', '--address', address, '--namespace', 'default'], { allowFailure: true }).ok,
    60_000,
  );
  log(`Temporal on ${address}: frontend, history, matching and worker as separate processes, ${shards} history shards`);

  const productEnv = { TEMPORAL_ADDRESS: address, DATABASE_URL: databaseUrl, CONVOFLOW_DATA_DIR: dataDir, HOST: '127.0.0.1' };
  const entry = (file) => join(root, 'dist', 'src', file);
  for (const n of [1, 2]) start(`convoflow-worker-${n}`, process.execPath, [entry('worker.js')], productEnv);
  // One API first: it generates the admin token and secret into the data directory the second one reads.
  for (const [i, apiPort] of apiPorts.entries()) {
    start(`convoflow-api-${i + 1}`, process.execPath, [entry('server.js')], { ...productEnv, PORT: String(apiPort) });
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

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    void stopAll().then(() => process.exit(0));
  });
}

main().catch(async (error) => {
  console.error(error instanceof Refusal ? `[cluster] ${error.message}` : error);
  await stopAll();
  process.exit(1);
});
