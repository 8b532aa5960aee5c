import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { SeedConfig } from './file';
import { readConfigFile } from './file';
import { parseDuration } from '../domain/durations';
import type { LifecycleConfig } from '../domain/lifecycle-config';
import type { LogConfig } from '../logger';
import { isLogLevel, LOG_LEVELS } from '../logger';
import { projectRoot } from '../project-root';
import type { WebhookConfig } from './webhooks';
import { DEFAULT_WEBHOOK_DELIVERY, DEFAULT_WEBHOOK_MAX_HOLD_MS } from './webhooks';

/** Client TLS for a remote Temporal cluster (mutual TLS when a certificate and key are given). */
export interface TemporalTlsConfig {
  certPath: string | null;
  keyPath: string | null;
  caPath: string | null;
  serverName: string | null;
}

/** Log levels the Temporal SDK understands. */
export const SDK_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
/** One of the SDK log levels. */
export type SdkLogLevel = (typeof SDK_LOG_LEVELS)[number];

/**
 * The embedded dev server. Every port it binds is fixed here, none left to the
 * CLI's random choice, and `httpPort`/`metricsPort` follow from `port`.
 */
export interface DevServerConfig {
  /** gRPC (TEMPORAL_DEV_SERVER_PORT). */
  port: number;
  /** Web UI (TEMPORAL_UI_PORT). */
  uiPort: number;
  /** The frontend's HTTP API: `port` + 10, Temporal's own convention (7233, 7243). */
  httpPort: number;
  /** Prometheus metrics: `port` + 11. */
  metricsPort: number;
  /** Temporal's SQLite file. */
  dbFile: string;
  /** Pids of a running dev server and its watchdog, so a start after a crash finds a leftover. */
  pidFile: string;
}

/** How far above TEMPORAL_DEV_SERVER_PORT the dev server's HTTP API and metrics ports are. */
export const DEV_SERVER_PORT_OFFSETS = { http: 10, metrics: 11 } as const;

/** Where and how to reach Temporal. */
export interface TemporalConfig {
  /** host:port of an existing cluster; null starts the embedded dev server. */
  address: string | null;
  namespace: string;
  taskQueue: string;
  /** null: plain TLS-less connection (or TLS implied by an API key). */
  tls: TemporalTlsConfig | null;
  apiKey: string | null;
  /** Level of the SDK's own log (worker and bundler); WARN keeps `npm start` readable. */
  sdkLogLevel: SdkLogLevel;
  /** The embedded dev server, used only when `address` is null. */
  devServer: DevServerConfig;
}

/** The event stream and the pages. */
export interface LiveConfig {
  /** How long the events outbox keeps events for resuming streams (CONVOFLOW_EVENT_RETENTION); null: forever. */
  eventRetentionMs: number | null;
  /** TEMPORAL_UI_URL: the Web UI the supervisor page links to; null: the embedded dev server's (none for a cluster). */
  temporalUiUrl: string | null;
}

/** Settings of the HTTP API. */
export interface ApiConfig {
  /** CONVOFLOW_ADMIN_TOKEN; null: generated at first start into <dataDir>/admin-token. */
  adminToken: string | null;
  /** CONVOFLOW_SECRET (customer tokens, derived ids); null: generated once into <dataDir>/secret. */
  secret: string | null;
  /** Conversations one client address may start per minute (CONVOFLOW_START_RATE_PER_MINUTE); null: no limit ("off"). */
  startsPerMinute: number | null;
  /** Largest request body in bytes (CONVOFLOW_BODY_LIMIT_BYTES). */
  bodyLimitBytes: number;
  /** How long an agent token stays valid (CONVOFLOW_AGENT_TOKEN_TTL); null: until revoked ("none"). */
  agentTokenTtlMs: number | null;
  /** Express's `trust proxy` (CONVOFLOW_TRUST_PROXY): whose X-Forwarded-For names the client. */
  trustProxy: boolean | number | string;
}

/**
 * Who may read `/metrics` (CONVOFLOW_METRICS_TOKEN): with a bearer `token` (the
 * admin token works too), anyone who reaches the port (`open`: "none"), or by
 * default (`local`) requests made straight to a loopback-bound server, no proxy
 * between (anything else needs the admin token).
 */
export type MetricsAccess = { kind: 'token'; token: string } | { kind: 'open' } | { kind: 'local' };

/** Prometheus metrics of this process and of the Temporal SDK. */
export interface MetricsConfig {
  access: MetricsAccess;
  /** `npm run start:worker`'s own /metrics (CONVOFLOW_WORKER_METRICS_HOST, CONVOFLOW_WORKER_METRICS_PORT); null: not served. */
  worker: { host: string; port: number } | null;
  /** TEMPORAL_METRICS_ADDRESS: host:port where the SDK's runtime serves its worker metrics; null: off. */
  temporalAddress: string | null;
}

/** Default of CONVOFLOW_START_RATE_PER_MINUTE (why so many: README, Configuration). */
export const DEFAULT_STARTS_PER_MINUTE = 600;

/** Default retention of the events outbox (CONVOFLOW_EVENT_RETENTION). */
export const DEFAULT_EVENT_RETENTION_MS = 24 * 60 * 60 * 1000;
/** Default of CONVOFLOW_AGENT_TOKEN_TTL. */
export const DEFAULT_AGENT_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * How much one worker process keeps in memory and runs at once (Temporal SDK
 * worker options). The defaults keep 50,000 open conversations within 2 GB of
 * worker RSS at the benchmark's latency (README, Configuration and Benchmarks).
 */
export interface WorkerTuningConfig {
  /** Workflows kept in the sticky cache (maxCachedWorkflows); an evicted one is replayed from its history on its next task. 0 disables the cache. */
  maxCachedWorkflows: number;
  /** Workflow tasks run at once (maxConcurrentWorkflowTaskExecutions); at most maxCachedWorkflows when the cache is on. */
  maxConcurrentWorkflowTasks: number;
  /** Activities (the store calls and webhook deliveries) run at once (maxConcurrentActivityTaskExecutions; the same for the local activities of runs from before they became regular ones). */
  maxConcurrentActivities: number;
  /**
   * How long a task for a cached workflow waits for its worker before any
   * worker may take it (stickyQueueScheduleToStartTimeout): what a killed
   * worker costs the conversations it had cached (an offer's expiry included).
   */
  stickyTimeoutMs: number;
  /** One V8 context shared by all workflows of a worker thread (reuseV8Context): far less memory and CPU per workflow. */
  reuseV8Context: boolean;
}

/** The worker tuning defaults (see WorkerTuningConfig and the README). */
export const DEFAULT_WORKER_TUNING: WorkerTuningConfig = {
  maxCachedWorkflows: 2_000,
  maxConcurrentWorkflowTasks: 40,
  maxConcurrentActivities: 100,
  stickyTimeoutMs: 3_000,
  reuseV8Context: true,
};

/** Shortest accepted admin token or secret: guessable values defeat the point. */
export const MIN_SECRET_LENGTH = 16;

/** The whole application configuration, loaded and validated once at start-up. */
export interface AppConfig {
  dataDir: string;
  temporal: TemporalConfig;
  http: { host: string; port: number };
  api: ApiConfig;
  /** The process log (LOG_LEVEL). */
  log: LogConfig;
  metrics: MetricsConfig;
  live: LiveConfig;
  /** PostgreSQL connection string for the store; null uses embedded SQLite. */
  databaseUrl: string | null;
  sqliteFile: string;
  configFile: string;
  lifecycle: LifecycleConfig;
  /** The configuration file's global automatic-presence switch (default for agents created without one). */
  autoPresence: boolean;
  seed: SeedConfig;
  /** Webhook delivery retries and the retention hard cap (CONVOFLOW_WEBHOOK_*). */
  webhooks: WebhookConfig;
  /** The worker's cache and concurrency (CONVOFLOW_WORKER_*). */
  worker: WorkerTuningConfig;
}

/** A configuration problem; the message lists every problem found in the environment. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The environment variables read by loadConfig. */
export type ConfigEnv = Record<string, string | undefined>;

/** The configuration file used when CONVOFLOW_CONFIG is not set. */
export const DEFAULT_CONFIG_FILE = join(projectRoot(), 'config', 'demo.json');

class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: ConfigEnv) {}

  /** A trimmed value; empty counts as unset so `FOO= npm start` behaves like no FOO. */
  string(name: string): string | null {
    const value = this.env[name]?.trim();
    return value ? value : null;
  }

  port(name: string, fallback: number): number {
    const raw = this.string(name);
    if (raw === null) return fallback;
    const port = Number(raw);
    if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) {
      this.problems.push(`${name}=${raw}: expected a port number between 1 and 65535`);
      return fallback;
    }
    return port;
  }

  positiveInt(name: string, fallback: number): number {
    const raw = this.string(name);
    if (raw === null) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < 1) {
      this.problems.push(`${name}=${raw}: expected a whole number of at least 1`);
      return fallback;
    }
    return Number(raw);
  }

  wholeNumber(name: string, fallback: number): number {
    const raw = this.string(name);
    if (raw === null) return fallback;
    if (!/^\d+$/.test(raw)) {
      this.problems.push(`${name}=${raw}: expected a whole number of at least 0`);
      return fallback;
    }
    return Number(raw);
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.string(name)?.toLowerCase() ?? null;
    if (raw === null) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    this.problems.push(`${name}=${raw}: expected true or false`);
    return fallback;
  }

  /** A secret: never echoed in problems, only its name. */
  secret(name: string): string | null {
    const value = this.string(name);
    if (value !== null && value.length < MIN_SECRET_LENGTH) this.problems.push(`${name}: must be at least ${MIN_SECRET_LENGTH} characters`);
    return value;
  }

  /** A duration such as "30d", or "none" (null). */
  duration(name: string, fallback: number | null): number | null {
    const raw = this.string(name);
    if (raw === null) return fallback;
    try {
      const ms = parseDuration(raw, name);
      if (ms !== null && ms < 1000) this.problems.push(`${name}=${raw}: expected at least 1s, or "none"`);
      return ms;
    } catch (error) {
      this.problems.push((error as Error).message);
      return fallback;
    }
  }

  /** A whole number of at least 1, or "off" (null). */
  limit(name: string, fallback: number): number | null {
    const raw = this.string(name);
    if (raw === 'off' || raw === 'none') return null;
    return this.positiveInt(name, fallback);
  }

  /** Express's `trust proxy`: true/false, a hop count, or a comma-separated list of addresses, subnets or names (loopback, linklocal, uniquelocal). */
  trustProxy(name: string): boolean | number | string {
    const raw = this.string(name);
    if (raw === null || raw === 'false') return false;
    if (raw === 'true') return true;
    if (/^\d+$/.test(raw)) return Number(raw);
    const entries = raw.split(',').map((e) => e.trim());
    const bad = entries.filter((e) => !/^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/.test(e));
    if (bad.length > 0) {
      this.problems.push(`${name}=${raw}: expected true, false, a hop count, or addresses/subnets such as "loopback, 10.0.0.0/8"`);
      return false;
    }
    return entries.join(', ');
  }

  /** An http(s) URL, without a trailing slash. */
  url(name: string): string | null {
    const raw = this.string(name);
    if (raw === null) return null;
    if (!/^https?:\/\/[^\s]+$/.test(raw)) {
      this.problems.push(`${name}=${raw}: expected an http:// or https:// URL`);
      return null;
    }
    return raw.replace(/\/+$/, '');
  }

  file(name: string): string | null {
    const path = this.string(name);
    if (path !== null && !existsSync(path)) this.problems.push(`${name}=${path}: no such file`);
    return path;
  }
}

function readTls(read: EnvReader): TemporalTlsConfig | null {
  const tls: TemporalTlsConfig = {
    certPath: read.file('TEMPORAL_TLS_CERT_PATH'),
    keyPath: read.file('TEMPORAL_TLS_KEY_PATH'),
    caPath: read.file('TEMPORAL_TLS_CA_PATH'),
    serverName: read.string('TEMPORAL_TLS_SERVER_NAME'),
  };
  if ((tls.certPath === null) !== (tls.keyPath === null)) {
    read.problems.push('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together (mutual TLS needs both)');
  }
  return Object.values(tls).some((value) => value !== null) ? tls : null;
}

function readApi(read: EnvReader): ApiConfig {
  return {
    adminToken: read.secret('CONVOFLOW_ADMIN_TOKEN'),
    secret: read.secret('CONVOFLOW_SECRET'),
    startsPerMinute: read.limit('CONVOFLOW_START_RATE_PER_MINUTE', DEFAULT_STARTS_PER_MINUTE),
    bodyLimitBytes: read.positiveInt('CONVOFLOW_BODY_LIMIT_BYTES', 32 * 1024),
    agentTokenTtlMs: read.duration('CONVOFLOW_AGENT_TOKEN_TTL', DEFAULT_AGENT_TOKEN_TTL_MS),
    trustProxy: read.trustProxy('CONVOFLOW_TRUST_PROXY'),
  };
}

/** Whether `host` (HOST, CONVOFLOW_WORKER_METRICS_HOST) binds loopback only. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

const HOST_PORT = /^[^\s:/]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

function readMetricsAccess(read: EnvReader): MetricsAccess {
  const raw = read.string('CONVOFLOW_METRICS_TOKEN');
  if (raw === null) return { kind: 'local' };
  if (raw === 'none') return { kind: 'open' };
  if (raw.length < MIN_SECRET_LENGTH)
    read.problems.push(`CONVOFLOW_METRICS_TOKEN: must be at least ${MIN_SECRET_LENGTH} characters, or "none"`);
  return { kind: 'token', token: raw };
}

function readMetrics(read: EnvReader): MetricsConfig {
  const access = readMetricsAccess(read);
  const host = read.string('CONVOFLOW_WORKER_METRICS_HOST') ?? '127.0.0.1';
  const port = read.string('CONVOFLOW_WORKER_METRICS_PORT') === null ? null : read.port('CONVOFLOW_WORKER_METRICS_PORT', 0);
  if (port !== null && access.kind === 'local' && !isLoopbackHost(host)) {
    read.problems.push(
      `CONVOFLOW_WORKER_METRICS_HOST=${host} is not loopback: set CONVOFLOW_METRICS_TOKEN (a token Prometheus sends, or "none" to serve anyone who reaches the port)`,
    );
  }
  let temporalAddress = read.string('TEMPORAL_METRICS_ADDRESS');
  if (temporalAddress === 'off') temporalAddress = null;
  if (temporalAddress !== null && !HOST_PORT.test(temporalAddress)) {
    read.problems.push(`TEMPORAL_METRICS_ADDRESS=${temporalAddress}: expected host:port, e.g. 127.0.0.1:9464, or "off"`);
    temporalAddress = null;
  }
  return { access, worker: port === null ? null : { host, port }, temporalAddress };
}

/** CONVOFLOW_WEBHOOK_*: durations of at least 1 s ("none" is not allowed). */
function readWebhooks(read: EnvReader): WebhookConfig {
  const get = (name: string, fallback: number): number => {
    const ms = read.duration(name, fallback);
    if (ms !== null) return ms;
    read.problems.push(`${name}: expected a duration such as "10s", "10m" or "24h" ("none" is not allowed)`);
    return fallback;
  };
  const d = DEFAULT_WEBHOOK_DELIVERY;
  const delivery = {
    requestTimeoutMs: get('CONVOFLOW_WEBHOOK_TIMEOUT', d.requestTimeoutMs),
    initialIntervalMs: get('CONVOFLOW_WEBHOOK_RETRY_INITIAL', d.initialIntervalMs),
    maximumIntervalMs: get('CONVOFLOW_WEBHOOK_RETRY_MAX_INTERVAL', d.maximumIntervalMs),
    retryWindowMs: get('CONVOFLOW_WEBHOOK_RETRY_WINDOW', d.retryWindowMs),
    wakeEveryMs: d.wakeEveryMs,
  };
  if (delivery.maximumIntervalMs < delivery.initialIntervalMs) {
    read.problems.push('CONVOFLOW_WEBHOOK_RETRY_MAX_INTERVAL: must be at least CONVOFLOW_WEBHOOK_RETRY_INITIAL');
  }
  return { delivery, maxHoldMs: get('CONVOFLOW_WEBHOOK_MAX_HOLD', DEFAULT_WEBHOOK_MAX_HOLD_MS) };
}

/** LOG_LEVEL; by default info, but silent under Jest so test output stays readable. */
function readLog(read: EnvReader, env: ConfigEnv): LogConfig {
  const level = read.string('LOG_LEVEL')?.toLowerCase() ?? (env.JEST_WORKER_ID !== undefined ? 'silent' : 'info');
  if (!isLogLevel(level)) {
    read.problems.push(`LOG_LEVEL=${level}: expected one of ${LOG_LEVELS.join(', ')}`);
    return { level: 'info' };
  }
  return { level };
}

function readWorkerTuning(read: EnvReader): WorkerTuningConfig {
  const d = DEFAULT_WORKER_TUNING;
  const tuning: WorkerTuningConfig = {
    maxCachedWorkflows: read.wholeNumber('CONVOFLOW_WORKER_MAX_CACHED_WORKFLOWS', d.maxCachedWorkflows),
    maxConcurrentWorkflowTasks: read.positiveInt('CONVOFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', d.maxConcurrentWorkflowTasks),
    maxConcurrentActivities: read.positiveInt(
      'CONVOFLOW_WORKER_MAX_CONCURRENT_ACTIVITIES',
      // Its name before the store calls became regular activities, still honoured.
      read.positiveInt('CONVOFLOW_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES', d.maxConcurrentActivities),
    ),
    stickyTimeoutMs: read.positiveInt('CONVOFLOW_WORKER_STICKY_TIMEOUT_MS', d.stickyTimeoutMs),
    reuseV8Context: read.boolean('CONVOFLOW_WORKER_REUSE_V8_CONTEXT', d.reuseV8Context),
  };
  // The SDK would silently lower or raise these; say so instead.
  if (tuning.maxCachedWorkflows === 1) read.problems.push('CONVOFLOW_WORKER_MAX_CACHED_WORKFLOWS=1: expected 0 (no cache) or at least 2');
  if (tuning.maxConcurrentWorkflowTasks < 2) read.problems.push('CONVOFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: expected at least 2');
  if (tuning.maxCachedWorkflows > 1 && tuning.maxConcurrentWorkflowTasks > tuning.maxCachedWorkflows) {
    read.problems.push(
      `CONVOFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS=${tuning.maxConcurrentWorkflowTasks}: at most CONVOFLOW_WORKER_MAX_CACHED_WORKFLOWS (${tuning.maxCachedWorkflows})`,
    );
  }
  return tuning;
}

function readTemporal(read: EnvReader, dataDir: string): TemporalConfig {
  const address = read.string('TEMPORAL_ADDRESS');
  if (address !== null && !/^[^\s:/]+:\d+$/.test(address)) {
    read.problems.push(`TEMPORAL_ADDRESS=${address}: expected host:port, e.g. temporal:7233`);
  }
  const tls = readTls(read);
  const apiKey = read.string('TEMPORAL_API_KEY');
  if (address === null && (tls !== null || apiKey !== null)) {
    read.problems.push('TEMPORAL_TLS_* and TEMPORAL_API_KEY apply to a remote cluster: set TEMPORAL_ADDRESS too');
  }
  const port = read.port('TEMPORAL_DEV_SERVER_PORT', 7233);
  const devServer: DevServerConfig = {
    port,
    uiPort: read.port('TEMPORAL_UI_PORT', 8233),
    httpPort: port + DEV_SERVER_PORT_OFFSETS.http,
    metricsPort: port + DEV_SERVER_PORT_OFFSETS.metrics,
    dbFile: join(dataDir, 'temporal.sqlite'),
    pidFile: join(dataDir, 'temporal-dev-server.pid'),
  };
  if (address === null && devServer.metricsPort > 65_535) {
    read.problems.push(
      `TEMPORAL_DEV_SERVER_PORT=${port}: at most ${65_535 - DEV_SERVER_PORT_OFFSETS.metrics} (the dev server also binds it + 10 and + 11)`,
    );
  }
  const { uiPort, httpPort, metricsPort } = devServer;
  if (address === null && [port, httpPort, metricsPort].includes(uiPort)) {
    read.problems.push(`TEMPORAL_UI_PORT=${uiPort}: must differ from TEMPORAL_DEV_SERVER_PORT and from it + 10 and + 11`);
  }
  const level = (read.string('TEMPORAL_SDK_LOG_LEVEL') ?? 'WARN').toUpperCase();
  if (!SDK_LOG_LEVELS.includes(level as SdkLogLevel)) {
    read.problems.push(`TEMPORAL_SDK_LOG_LEVEL=${level}: expected one of ${SDK_LOG_LEVELS.join(', ')}`);
  }
  return {
    address,
    namespace: read.string('TEMPORAL_NAMESPACE') ?? 'default',
    taskQueue: read.string('TEMPORAL_TASK_QUEUE') ?? 'conversations',
    tls,
    apiKey,
    sdkLogLevel: SDK_LOG_LEVELS.includes(level as SdkLogLevel) ? (level as SdkLogLevel) : 'WARN',
    devServer,
  };
}

/**
 * Loads the configuration from the environment and the configuration file,
 * validating everything up front so a bad setting stops start-up with one clear
 * message instead of failing later deep inside a request.
 */
export function loadConfig(env: ConfigEnv = process.env): AppConfig {
  const read = new EnvReader(env);
  const dataDir = resolve(read.string('CONVOFLOW_DATA_DIR') ?? 'data');
  const temporal = readTemporal(read, dataDir);
  const http = { host: read.string('HOST') ?? '127.0.0.1', port: read.port('PORT', 3000) };
  const api = readApi(read);
  const log = readLog(read, env);
  const metrics = readMetrics(read);
  const live: LiveConfig = {
    eventRetentionMs: read.duration('CONVOFLOW_EVENT_RETENTION', DEFAULT_EVENT_RETENTION_MS),
    temporalUiUrl: read.url('TEMPORAL_UI_URL'),
  };
  const webhooks = readWebhooks(read);
  const worker = readWorkerTuning(read);
  const databaseUrl = read.string('DATABASE_URL');
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    // Never echo the URL: it usually carries a password.
    read.problems.push('DATABASE_URL: expected postgres://user:password@host:port/database');
  }
  const configured = read.string('CONVOFLOW_CONFIG');
  const configFile = configured === null ? DEFAULT_CONFIG_FILE : isAbsolute(configured) ? configured : resolve(configured);
  let file: ReturnType<typeof readConfigFile> | null = null;
  try {
    file = readConfigFile(configFile);
  } catch (error) {
    read.problems.push(`CONVOFLOW_CONFIG: ${(error as Error).message}`);
  }
  if (read.problems.length > 0 || file === null) {
    throw new ConfigError(`Invalid configuration:\n  - ${read.problems.join('\n  - ')}`);
  }
  return {
    dataDir,
    temporal,
    http,
    api,
    log,
    metrics,
    live,
    databaseUrl,
    sqliteFile: join(dataDir, 'convoflow.sqlite'),
    configFile,
    lifecycle: file.lifecycle,
    autoPresence: file.autoPresence,
    seed: file.seed,
    webhooks,
    worker,
  };
}

/** A one-line, secret-free summary for the start-up log. */
export function describeConfig(config: AppConfig): string {
  const temporal = config.temporal.address ?? `embedded dev server on 127.0.0.1:${config.temporal.devServer.port}`;
  const store = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `SQLite ${config.sqliteFile}`;
  return `temporal=${temporal} namespace=${config.temporal.namespace} taskQueue=${config.temporal.taskQueue} store=${store} config=${config.configFile}`;
}
