/**
 * The split deployment `npm run chaos` runs on this machine, each part its own
 * process group on 127.0.0.1: the Temporal dev server
 * (dist/src/temporal-dev-server.js), the API (dist/src/server.js) and one
 * worker (dist/src/worker.js, or the chaos worker with kill points), on a fresh
 * PostgreSQL schema dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { dropClusterDatabases, TemporalCluster } from '../../src/temporal/cluster';
import { bindProblem } from '../../src/temporal/dev-server-ports';
import type { Child } from './processes';
import { startChild } from './processes';

const DIST = join(__dirname, '..', '..');

/** The product's worker, and the chaos worker (the same plus kill points). */
export const WORKER_ENTRY = join(DIST, 'src', 'worker.js');
export const CHAOS_WORKER_ENTRY = join(DIST, 'bench', 'chaos', 'chaos-worker.js');
const WORKER_READY = /Worker polling task queue|chaos worker polling/;

/** The connection string for one schema (the API, the worker and this process all use it). */
export function schemaUrl(base: string, schema: string): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  url.searchParams.set('application_name', 'convoflow-chaos');
  return url.toString();
}

/** A fresh schema on `base`; `drop` removes it with everything in it. */
export async function freshSchema(base: string): Promise<{ schema: string; url: string; drop: () => Promise<void> }> {
  const schema = `chaos_${randomBytes(6).toString('hex')}`;
  const admin = new PgClient({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  return {
    schema,
    url: schemaUrl(base, schema),
    async drop() {
      const again = new PgClient({ connectionString: base });
      await again.connect();
      try {
        await again.query(`DROP SCHEMA ${schema} CASCADE`);
      } finally {
        await again.end();
      }
    },
  };
}

/** The first of `size` consecutive free ports on 127.0.0.1, below the ephemeral range, from a random start. */
export async function freePorts(size: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 10_000);
    let free = true;
    for (let port = base; port < base + size && free; port++) free = (await bindProblem('127.0.0.1', port)) === null;
    if (free) return base;
  }
  throw new Error('no block of free ports found');
}

/** The processes of one run and what they share. */
export interface Deployment {
  dir: string;
  temporalAddress: string;
  apiUrl: string;
  adminToken: string;
  /** Stops Temporal (the dev server, or the cluster's services) and removes what it created for the run. */
  stopTemporal(): Promise<void>;
  /** The cluster's services (kill -9 and start again), when the run is on a cluster. */
  cluster: TemporalCluster | null;
  api: Child;
  /** Starts the API again after it was killed (same port, same settings); resolves once it listens. */
  restartApi(): Promise<void>;
  /** The environment of every worker this run starts. */
  workerEnv: NodeJS.ProcessEnv;
}

/** Where the run's Temporal runs: the dev server, or a cluster whose databases the role in `dbUrl` creates (and drops at the end). */
export type TemporalChoice = { kind: 'dev server' } | { kind: 'cluster'; dbUrl: URL; shards: number };

/** Starts Temporal and the API (workers are started by the caller, who kills them). */
export async function deploy(
  dir: string,
  databaseUrl: string,
  configFile: Record<string, unknown>,
  temporal: TemporalChoice = { kind: 'dev server' },
  log: (line: string) => void = () => undefined,
): Promise<Deployment> {
  // The cluster's membership ports are 300 below its gRPC ports: one block holds both.
  const port = temporal.kind === 'cluster' ? (await freePorts(320)) + 300 : await freePorts(12);
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(configFile, null, 2));
  const adminToken = randomBytes(24).toString('hex');
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CONVOFLOW_DATA_DIR: dir,
    CONVOFLOW_CONFIG: configPath,
    CONVOFLOW_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    TEMPORAL_SDK_LOG_LEVEL: 'ERROR',
    ...(process.env.TEMPORAL_CLI_PATH ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH } : {}),
  };
  let stopTemporal: () => Promise<void>;
  let cluster: TemporalCluster | null = null;
  if (temporal.kind === 'cluster') {
    const database = `chaos_temporal_${randomBytes(4).toString('hex')}`;
    const drop = () => dropClusterDatabases(temporal.dbUrl, database);
    try {
      cluster = await TemporalCluster.start({ dbUrl: temporal.dbUrl, database, shards: temporal.shards, port, dataDir: dir, log });
    } catch (error) {
      await drop();
      throw error;
    }
    const started = cluster;
    stopTemporal = async () => {
      await started.stop();
      await drop();
    };
  } else {
    const server = startChild(
      'temporal',
      join(DIST, 'src', 'temporal-dev-server.js'),
      { ...base, TEMPORAL_DEV_SERVER_PORT: String(port), TEMPORAL_UI_PORT: String(port + 1) },
      { ready: /dev server ready/, readyTimeoutMs: 120_000 },
    );
    await server.ready;
    stopTemporal = () => server.stop();
  }
  const temporalAddress = `127.0.0.1:${port}`;
  const shared = { ...base, TEMPORAL_ADDRESS: temporalAddress, DATABASE_URL: databaseUrl };
  // Clear of the cluster's ports (frontend HTTP is +10).
  const apiPort = port + 12;
  const startApi = (): Child =>
    startChild(
      'api',
      join(DIST, 'src', 'server.js'),
      {
        ...shared,
        HOST: '127.0.0.1',
        PORT: String(apiPort),
        CONVOFLOW_ADMIN_TOKEN: adminToken,
        // One client (this harness) starts every chat.
        CONVOFLOW_START_RATE_PER_MINUTE: 'off',
      },
      { ready: /API listening/, readyTimeoutMs: 120_000 },
    );
  const d: Deployment = {
    dir,
    temporalAddress,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    adminToken,
    stopTemporal,
    cluster,
    api: startApi(),
    async restartApi() {
      d.api = startApi();
      await d.api.ready;
    },
    workerEnv: shared,
  };
  await d.api.ready;
  return d;
}

/** Starts one worker: the product's, or the chaos worker with `killEnv` (its kill points); `onLine` sees its output. */
export function startWorker(d: Deployment, killEnv: NodeJS.ProcessEnv | null, onLine?: (line: string) => void): Child {
  // LOG_LEVEL info: the worker says when it polls; the SDK's warnings say why a workflow task failed.
  const env = { ...d.workerEnv, LOG_LEVEL: 'info', TEMPORAL_SDK_LOG_LEVEL: 'WARN', ...(killEnv ?? {}) };
  return startChild('worker', killEnv ? CHAOS_WORKER_ENTRY : WORKER_ENTRY, env, { ready: WORKER_READY, onLine });
}
