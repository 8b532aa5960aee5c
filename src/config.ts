import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { SeedConfig } from './config-file';
import { readConfigFile } from './config-file';
import { parseDuration } from './domain/durations';
import type { LifecycleConfig } from './domain/lifecycle-config';
import { DEFAULT_EVENT_RETENTION_MS } from './live/retention';
import { projectRoot } from './project-root';

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
  devServer: { port: number; uiPort: number; dbFile: string };
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
  /** Conversations one client IP may start per minute (CONVOFLOW_START_RATE_PER_MINUTE). */
  startsPerMinute: number;
  /** Largest request body in bytes (CONVOFLOW_BODY_LIMIT_BYTES). */
  bodyLimitBytes: number;
}

/** Shortest accepted admin token or secret: guessable values defeat the point. */
export const MIN_SECRET_LENGTH = 16;

/** The whole application configuration, loaded and validated once at start-up. */
export interface AppConfig {
  dataDir: string;
  temporal: TemporalConfig;
  http: { host: string; port: number };
  api: ApiConfig;
  live: LiveConfig;
  /** PostgreSQL connection string for the store; null uses embedded SQLite. */
  databaseUrl: string | null;
  sqliteFile: string;
  configFile: string;
  lifecycle: LifecycleConfig;
  seed: SeedConfig;
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

  /** A secret: never echoed in problems, only its name. */
  secret(name: string): string | null {
    const value = this.string(name);
    if (value !== null && value.length < MIN_SECRET_LENGTH) this.problems.push(`${name}: must be at least ${MIN_SECRET_LENGTH} characters`);
    return value;
  }

  /** A duration such as "24h" (or "none" when `noneAllowed`). */
  duration(name: string, fallback: number, noneAllowed: boolean): number | null {
    const raw = this.string(name);
    if (raw === null) return fallback;
    try {
      const ms = parseDuration(raw, name);
      if (ms === null && noneAllowed) return null;
      if (ms !== null && ms > 0) return ms;
    } catch {
      // reported below
    }
    this.problems.push(`${name}=${raw}: expected a duration such as "30m", "24h" or "7d"${noneAllowed ? ', or "none"' : ''}`);
    return fallback;
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
    startsPerMinute: read.positiveInt('CONVOFLOW_START_RATE_PER_MINUTE', 30),
    bodyLimitBytes: read.positiveInt('CONVOFLOW_BODY_LIMIT_BYTES', 32 * 1024),
  };
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
  const devServer = {
    port: read.port('TEMPORAL_DEV_SERVER_PORT', 7233),
    uiPort: read.port('TEMPORAL_UI_PORT', 8233),
    dbFile: join(dataDir, 'temporal.sqlite'),
  };
  if (address === null && devServer.port === devServer.uiPort) {
    read.problems.push('TEMPORAL_DEV_SERVER_PORT and TEMPORAL_UI_PORT must differ');
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
  const live: LiveConfig = {
    eventRetentionMs: read.duration('CONVOFLOW_EVENT_RETENTION', DEFAULT_EVENT_RETENTION_MS, true),
    temporalUiUrl: read.url('TEMPORAL_UI_URL'),
  };
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
    live,
    databaseUrl,
    sqliteFile: join(dataDir, 'convoflow.sqlite'),
    configFile,
    lifecycle: file.lifecycle,
    seed: file.seed,
  };
}

/** A one-line, secret-free summary for the start-up log. */
export function describeConfig(config: AppConfig): string {
  const temporal = config.temporal.address ?? `embedded dev server on 127.0.0.1:${config.temporal.devServer.port}`;
  const store = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `SQLite ${config.sqliteFile}`;
  return `temporal=${temporal} namespace=${config.temporal.namespace} taskQueue=${config.temporal.taskQueue} store=${store} config=${config.configFile}`;
}
