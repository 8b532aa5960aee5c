// A real Temporal cluster on this machine: the server built from its Go module,
// its schemas on PostgreSQL, frontend, history, matching and the internal worker
// as separate processes bound to 127.0.0.1. `npm run start:cluster`
// (src/tools/start-cluster.ts), `BENCH_MODE=cluster npm run bench` and the
// cluster fault runs (`npm run chaos:cluster`) start it through this module.
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client as PgClient } from 'pg';
import { projectRoot } from '../project-root';
import { StartupError } from '../startup-error';
import { bindProblem } from './dev-server-ports';
import { provisionedCliPath, temporalCacheDir } from './executables';

const run = promisify(execFile);

/** The server the embedded dev server runs (CLI v1.5.1) and docker-compose.yml pins. */
export const CLUSTER_SERVER_VERSION = 'v1.29.1';
const MODULE = 'go.temporal.io/server';

/** The services, in the order they start (and the reverse of the order they stop). */
export const CLUSTER_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type ClusterService = (typeof CLUSTER_SERVICES)[number];
const PORT_OFFSET: Record<ClusterService, number> = { frontend: 0, history: 1, matching: 2, worker: 6 };

export interface ClusterOptions {
  /** A PostgreSQL role that may create databases (its host, port, user and password; the path is ignored). */
  dbUrl: URL;
  /** Temporal's database; its visibility database is `<name>_visibility`. */
  database: string;
  /** History shards (fixed once the database exists). */
  shards: number;
  /** The frontend's gRPC port; history +1, matching +2, internal worker +6, frontend HTTP +10, membership ports 300 below each. */
  port: number;
  /** The rendered configuration and the services' logs (`logs/temporal-<service>.log`). */
  dataDir: string;
  log: (line: string) => void;
}

const cacheDir = (): string => join(temporalCacheDir(), 'server', CLUSTER_SERVER_VERSION);
const serverBin = (): string => join(cacheDir(), 'bin', 'server');
const sqlToolBin = (): string => join(cacheDir(), 'bin', 'sql');
const schemaDir = (): string => join(cacheDir(), 'schema');

/** The Temporal CLI the cluster is administered with (TEMPORAL_CLI_PATH, else the provisioned one). */
export function clusterCliPath(): string {
  return process.env.TEMPORAL_CLI_PATH || provisionedCliPath();
}

async function output(command: string, args: string[]): Promise<{ ok: boolean; text: string }> {
  try {
    const { stdout, stderr } = await run(command, args, { maxBuffer: 16 * 2 ** 20 });
    return { ok: true, text: `${stdout}${stderr}` };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string; code?: unknown };
    if (e.code === 'ENOENT') throw new StartupError(`${command} could not start: ${e.message}`);
    return { ok: false, text: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
  }
}

/** Builds the server and its SQL tool once per version (into a scratch folder, renamed when done). */
export function provisionClusterServer(log: (line: string) => void): void {
  if (existsSync(serverBin()) && existsSync(sqlToolBin()) && existsSync(schemaDir())) return;
  if (spawnSync('go', ['version']).status !== 0)
    throw new StartupError('Go 1.25+ is needed to build the Temporal server (install it, then run again).');
  log(`building the Temporal server ${CLUSTER_SERVER_VERSION} and its SQL tool with go install (several minutes the first time)...`);
  const scratch = join(cacheDir(), 'bin.tmp');
  rmSync(scratch, { recursive: true, force: true });
  const build = spawnSync(
    'go',
    ['install', `${MODULE}/cmd/server@${CLUSTER_SERVER_VERSION}`, `${MODULE}/cmd/tools/sql@${CLUSTER_SERVER_VERSION}`],
    { env: { ...process.env, GOBIN: scratch, CGO_ENABLED: '0' }, stdio: 'inherit' },
  );
  if (build.status !== 0) throw new StartupError(`go install of the Temporal server ${CLUSTER_SERVER_VERSION} failed (above).`);
  // The versioned schema steps ship in the module, beside the code just built.
  const modCache = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout.trim();
  cpSync(join(modCache, `${MODULE}@${CLUSTER_SERVER_VERSION}`, 'schema', 'postgresql', 'v12'), schemaDir(), { recursive: true });
  // The module cache is read-only; the copy must not be, or removing .temporal-cache fails.
  spawnSync('chmod', ['-R', 'u+w', schemaDir()]);
  mkdirSync(dirname(serverBin()), { recursive: true });
  renameSync(join(scratch, 'server'), serverBin());
  renameSync(join(scratch, 'sql'), sqlToolBin());
  rmSync(scratch, { recursive: true, force: true });
}

/** Runs Temporal's SQL tool against one database of the role in `dbUrl`. */
export function sqlTool(dbUrl: URL, database: string, args: string[]): Promise<{ ok: boolean; text: string }> {
  return output(sqlToolBin(), [
    ...['--plugin', 'postgres12', '--endpoint', dbUrl.hostname, '--port', dbUrl.port || '5432'],
    ...['--user', decodeURIComponent(dbUrl.username), '--password', decodeURIComponent(dbUrl.password), '--database', database],
    ...args,
  ]);
}

/** Creates `database` unless it exists (with the role in `dbUrl`). */
export async function createDatabase(dbUrl: URL, database: string): Promise<void> {
  const created = await sqlTool(dbUrl, database, ['create-database']);
  if (!created.ok && !/already exists/.test(created.text))
    throw new StartupError(`could not create database ${database}:\n${created.text}`);
}

/** The role's maintenance database (`postgres`) on the server of `dbUrl`. */
export function maintenanceUrl(dbUrl: URL): string {
  const url = new URL(dbUrl.href);
  url.pathname = '/postgres';
  return url.href;
}

/** Drops a cluster's two databases (`database` and its visibility one), once its services have stopped. */
export async function dropClusterDatabases(dbUrl: URL, database: string): Promise<void> {
  const admin = new PgClient({ connectionString: maintenanceUrl(dbUrl) });
  await admin.connect();
  try {
    for (const db of [database, `${database}_visibility`]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Creates a database if it is missing and brings its schema to the latest version (idempotent). */
async function schema(o: ClusterOptions, database: string, steps: 'temporal' | 'visibility'): Promise<void> {
  await createDatabase(o.dbUrl, database);
  const setUp = await sqlTool(o.dbUrl, database, ['setup-schema', '-v', '0.0']);
  if (!setUp.ok && !/already exists/.test(setUp.text)) throw new StartupError(`could not set up ${database}:\n${setUp.text}`);
  const updated = await sqlTool(o.dbUrl, database, ['update-schema', '-d', join(schemaDir(), steps, 'versioned')]);
  if (!updated.ok) throw new StartupError(`could not update the schema of ${database}:\n${updated.text}`);
  o.log(`database ${database}: schema up to date`);
}

/** Writes the server's configuration (development.yaml and the dynamic config) under `<dataDir>/temporal/config`; answers its root. */
function renderConfig(o: ClusterOptions): string {
  const { dbUrl, port } = o;
  // Each of the four services opens up to this many per database: 4 x (10 + 3) = 52 at most.
  const store = (database: string, conns: number) => `      sql:
        pluginName: postgres12
        databaseName: ${database}
        connectAddr: "${dbUrl.hostname}:${dbUrl.port || '5432'}"
        connectProtocol: tcp
        user: "${decodeURIComponent(dbUrl.username)}"
        password: "${decodeURIComponent(dbUrl.password)}"
        maxConns: ${conns}
        maxIdleConns: ${Math.ceil(conns / 2)}
        maxConnLifetime: 1h`;
  const service = (name: ClusterService) => `  ${name}:
    rpc:
      grpcPort: ${port + PORT_OFFSET[name]}
      membershipPort: ${port - 300 + PORT_OFFSET[name]}
      bindOnLocalHost: true${name === 'frontend' ? `\n      httpPort: ${port + 10}` : ''}`;
  const dir = join(o.dataDir, 'temporal', 'config');
  mkdirSync(dir, { recursive: true });
  cpSync(join(projectRoot(), 'config', 'temporal-dynamic-config.yaml'), join(dir, 'dynamicconfig.yaml'));
  writeFileSync(
    join(dir, 'development.yaml'),
    `# Rendered by src/temporal/cluster.ts; edits are overwritten at the next start.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${o.shards}
  datastores:
    default:
${store(o.database, 10)}
    visibility:
${store(`${o.database}_visibility`, 3)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
${CLUSTER_SERVICES.map(service).join('\n')}
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
      rpcAddress: 127.0.0.1:${port}
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${join(dir, 'dynamicconfig.yaml')}
  pollInterval: 10s
`,
  );
  return join(o.dataDir, 'temporal');
}

/** Polls `check` every 500 ms until it holds; refuses after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new StartupError(`${what} not ready after ${timeoutMs / 1000} s`);
    await delay(500);
  }
}

/** A long-running process whose output goes to `<dataDir>/logs/<name>.log`. */
export function startLogged(dataDir: string, name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const out = createWriteStream(join(dataDir, 'logs', `${name}.log`), { flags: 'a' });
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killer);
}

/** The four Temporal services as separate processes on PostgreSQL; `start` brings them up. */
export class TemporalCluster {
  readonly address: string;
  private readonly children = new Map<ClusterService, ChildProcess>();
  private configRoot = '';
  private stopping = false;
  /** Services killed on purpose (their exit is not news). */
  private readonly killed = new Set<ChildProcess>();

  private constructor(private readonly o: ClusterOptions) {
    this.address = `127.0.0.1:${o.port}`;
  }

  /** Builds the server if needed, brings both schemas up to date, starts every service and creates the `default` namespace. */
  static async start(o: ClusterOptions): Promise<TemporalCluster> {
    provisionClusterServer(o.log);
    await schema(o, o.database, 'temporal');
    await schema(o, `${o.database}_visibility`, 'visibility');
    const cluster = new TemporalCluster(o);
    cluster.configRoot = renderConfig(o);
    try {
      // One at a time: the first writes the cluster metadata, which services starting at once race to write.
      for (const service of CLUSTER_SERVICES) await cluster.launch(service);
      const cli = clusterCliPath();
      await until(
        'the frontend',
        async () => (await output(cli, ['operator', 'cluster', 'health', '--address', cluster.address])).ok,
        120_000,
      );
      const ns = await output(cli, [
        'operator',
        'namespace',
        'create',
        '--address',
        cluster.address,
        '--namespace',
        'default',
        '--retention',
        '72h',
      ]);
      if (!ns.ok && !/already/i.test(ns.text)) throw new StartupError(`could not create the namespace:\n${ns.text}`);
      await until(
        'the namespace',
        async () => (await output(cli, ['operator', 'namespace', 'describe', '--address', cluster.address, '--namespace', 'default'])).ok,
        60_000,
      );
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    o.log(`Temporal on ${cluster.address}: ${CLUSTER_SERVICES.join(', ')} as separate processes, ${o.shards} history shards`);
    return cluster;
  }

  /** The gRPC port `service` listens on. */
  portOf(service: ClusterService): number {
    return this.o.port + PORT_OFFSET[service];
  }

  /** The process ids of the running services. */
  pids(): string[] {
    return [...this.children.values()].filter((c) => c.exitCode === null && c.signalCode === null).map((c) => String(c.pid));
  }

  private startService(service: ClusterService): ChildProcess {
    const child = startLogged(
      this.o.dataDir,
      `temporal-${service}`,
      serverBin(),
      ['--root', this.configRoot, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start', '--service', service],
      {},
    );
    this.children.set(service, child);
    child.on('exit', (code, signal) => {
      if (!this.stopping && !this.killed.delete(child) && code !== 0)
        this.o.log(`temporal-${service} exited (${signal ?? code}); see its log in ${join(this.o.dataDir, 'logs')}`);
    });
    this.o.log(`temporal-${service} started (pid ${child.pid})`);
    return child;
  }

  /** kill -9 of one service, waiting until it is gone. */
  async kill(service: ClusterService): Promise<void> {
    const child = this.children.get(service);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    this.killed.add(child);
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts a service (again, after a kill); resolves once its gRPC port listens, refuses if it exits first. */
  async launch(service: ClusterService): Promise<void> {
    const child = this.startService(service);
    // The internal worker serves no gRPC; its membership port says it has joined.
    const port = service === 'worker' ? this.portOf(service) - 300 : this.portOf(service);
    await until(
      `temporal-${service}`,
      async () => {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new StartupError(`temporal-${service} exited (${child.signalCode ?? child.exitCode}); see ${join(this.o.dataDir, 'logs')}`);
        return (await bindProblem('127.0.0.1', port)) !== null;
      },
      60_000,
    );
  }

  /** Stops every service, in the reverse of the order they started. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const service of [...CLUSTER_SERVICES].reverse()) {
      const child = this.children.get(service);
      if (!child) continue;
      await stopChild(child);
      this.o.log(`temporal-${service} stopped`);
    }
  }
}
