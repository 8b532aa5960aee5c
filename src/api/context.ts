import type { Client } from '@temporalio/client';
import type { RequestHandler } from 'express';
import express from 'express';
import type { Logger } from 'pino';
import type { MetricsAccess } from '../config';
import type { LifecycleConfig } from '../domain/lifecycle-config';
import type { LiveContext, LiveOptions } from '../live/live-context';
import { createLiveContext } from '../live/live-context';
import type { Metrics } from '../metrics/metrics';
import { observeAgentChanges } from '../metrics/observed-store';
import type { Router } from '../routing';
import { RoutingChanges } from '../routing';
import { createTemporalRouter } from '../temporal/router';
import type { EventSource } from '../live/event-hub';
import type { Store } from '../store/store';
import type { WebhookWorkflows } from '../webhooks/delivery-workflows';
import { temporalWebhookWorkflows } from '../temporal/webhook-workflows';
import type { Credentials } from '../auth/credentials';
import { Authenticator } from './http/auth';
import { ConversationClient } from './conversation-client';
import { startRateLimiter } from './http/rate-limit';

/** Tunable limits of the API, with defaults for anything omitted. */
export interface ApiLimits {
  /** Conversations one client address may start per minute; null: no limit. */
  startsPerMinute: number | null;
  /** Largest accepted request body in bytes (larger: 413). */
  bodyLimitBytes: number;
  /** Longest the API waits on a start or update before answering 503 (OUTCOME_UNKNOWN once sent). */
  temporalTimeoutMs: number;
  /** Longest the API waits on a workflow query before answering from the read model. */
  queryTimeoutMs: number;
  /** How long an agent token stays valid; null: until revoked. */
  agentTokenTtlMs: number | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Defaults of ApiLimits. */
export const DEFAULT_API_LIMITS: ApiLimits = {
  startsPerMinute: 600,
  bodyLimitBytes: 32 * 1024,
  temporalTimeoutMs: 15_000,
  queryTimeoutMs: 3_000,
  agentTokenTtlMs: 30 * DAY_MS,
};

/** Express's `trust proxy` setting: false, true, a hop count, or addresses and subnets (e.g. "loopback, 10.0.0.0/8"). */
export type TrustProxy = boolean | number | string;

/** The metrics of the process the API runs in, served at /metrics, and who may read them. */
export interface ApiMetricsOptions {
  metrics: Metrics;
  /** CONVOFLOW_METRICS_TOKEN. */
  access: MetricsAccess;
  /** The server binds loopback only (HOST): the default access needs it. */
  loopback: boolean;
  /** How long the store gauges reuse one reading (default 1 s). */
  storeCacheMs?: number;
}

/** Everything the HTTP API needs, passed in so tests can supply their own. */
export interface ApiDeps {
  store: Store;
  client: Client;
  taskQueue: string;
  credentials: Credentials;
  /** The lifecycle rules new conversations start with (they travel in the workflow's start arguments). */
  lifecycle: LifecycleConfig;
  /** Automatic presence for agents created without their own setting (the configuration file's autoPresence). */
  autoPresence?: boolean;
  logger: Logger;
  limits?: Partial<ApiLimits>;
  /** Whose X-Forwarded-For to believe for the client address (CONVOFLOW_TRUST_PROXY); default false. */
  trustProxy?: TrustProxy;
  /** Check every answer against its documented schema (tests): a mismatch is a 500. */
  checkResponses?: boolean;
  /** The event stream and the pages' configuration (src/live). */
  live?: LiveOptions;
  /** Request metrics and GET /metrics; omitted, neither. */
  metrics?: ApiMetricsOptions;
}

/**
 * What of the store route handlers may touch: reads, the API's own records (idempotency, tokens,
 * messages), intake rules, webhook endpoints and the event log. Conversations change only through
 * their workflows (`conversations`); agents, presence and queues through `changes`, which routes.
 */
export type ApiStore = EventSource &
  Pick<
    Store,
    | 'addAgentToken'
    | 'addMessage'
    | 'addWebhookEndpoint'
    | 'countStuckWorkflows'
    | 'deleteAgentToken'
    | 'deleteMessage'
    | 'deleteWebhookEndpoint'
    | 'findAgentByTokenHash'
    | 'getAgent'
    | 'getConversation'
    | 'getIdempotencyRecord'
    | 'getIntakeRules'
    | 'getQueue'
    | 'getWebhookEndpoint'
    | 'listAgents'
    | 'listClosedWorkItems'
    | 'listConversations'
    | 'listMessages'
    | 'listQueueEntries'
    | 'listQueues'
    | 'listReservations'
    | 'listStuckWorkflows'
    | 'listWebhookDeliveries'
    | 'listWebhookEndpoints'
    | 'listWorkItems'
    | 'replaceIntakeRules'
    | 'revokeAgentTokens'
    | 'saveIdempotencyRecord'
  >;

/** What of Temporal route handlers may touch besides the conversations: whether it answers. */
export interface TemporalProbe {
  /** A cheap call (the cluster's system info) that must answer within `deadlineMs`. */
  ping(deadlineMs: number): Promise<unknown>;
}

/** What route handlers use: the dependencies plus the services built over them once per app. */
export interface ApiContext {
  store: ApiStore;
  /** Automatic presence for agents created without their own setting. */
  autoPresence: boolean;
  temporal: TemporalProbe;
  credentials: Credentials;
  limits: ApiLimits;
  logger: Logger;
  auth: Authenticator;
  /** The start rate limit (express-rate-limit). */
  startLimiter: RequestHandler;
  /** The JSON body parser, run per route after the media type check. */
  jsonParser: RequestHandler;
  /** Agent, presence and queue writes that poke the dispatchers concerned. */
  changes: RoutingChanges;
  conversations: ConversationClient;
  /** The endpoints' delivery workflows (started at registration, stopped at deletion). */
  webhooks: WebhookWorkflows;
  checkResponses: boolean;
  /** The event hub and stream settings. */
  live: LiveContext;
  /** The process's metrics, or null when the app serves none. */
  metrics: ApiMetricsOptions | null;
}

// A lone surrogate (JSON allows "\ud800") has no UTF-8 form: SQLite and
// PostgreSQL would each store their own replacement. It becomes U+FFFD here,
// once, so both backends store and answer the same text.
const LONE_SURROGATE = /[\ud800-\udfff]/gu;
function wellFormed(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? value.replace(LONE_SURROGATE, '\ufffd') : value;
}

/** The dispatcher router with a deadline on each call, so an unreachable Temporal answers 503 instead of hanging. */
function withDeadline(client: Client, ms: number, router: Router): Router {
  return {
    poke: (queueIds) => client.withDeadline(Date.now() + ms, () => router.poke(queueIds)),
    deliver: (assignment) => client.withDeadline(Date.now() + ms, () => router.deliver(assignment)),
    reroute: (conversationId, toQueueId, reason, fromQueueId) =>
      client.withDeadline(Date.now() + ms, () => router.reroute(conversationId, toQueueId, reason, fromQueueId)),
  };
}

/** Builds the per-app services from the dependencies. */
export function createContext(deps: ApiDeps): ApiContext {
  const limits = { ...DEFAULT_API_LIMITS, ...deps.limits };
  const logger = deps.logger;
  return {
    store: deps.store,
    autoPresence: deps.autoPresence ?? false,
    temporal: {
      ping: (deadlineMs) => deps.client.withDeadline(Date.now() + deadlineMs, () => deps.client.workflowService.getSystemInfo({})),
    },
    credentials: deps.credentials,
    limits,
    logger,
    auth: new Authenticator(deps.store, deps.credentials),
    startLimiter: startRateLimiter(limits.startsPerMinute, logger),
    jsonParser: express.json({ limit: limits.bodyLimitBytes, type: ['application/json', 'application/*+json'], reviver: wellFormed }),
    changes: new RoutingChanges(
      deps.metrics ? observeAgentChanges(deps.store, deps.metrics.metrics.routing) : deps.store,
      withDeadline(deps.client, limits.temporalTimeoutMs, createTemporalRouter(deps.client, deps.taskQueue)),
      (message) => logger.warn(message),
    ),
    conversations: new ConversationClient(
      deps.client,
      deps.store,
      deps.taskQueue,
      deps.lifecycle,
      { updateMs: limits.temporalTimeoutMs, queryMs: limits.queryTimeoutMs },
      logger,
    ),
    webhooks: temporalWebhookWorkflows(deps.client, deps.taskQueue, { deadlineMs: limits.temporalTimeoutMs }),
    checkResponses: deps.checkResponses === true,
    live: createLiveContext(deps.store, deps.live),
    metrics: deps.metrics ?? null,
  };
}
