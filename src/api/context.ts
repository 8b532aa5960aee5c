import type { Client } from '@temporalio/client';
import type { LiveContext, LiveOptions } from '../live/live-context';
import { createLiveContext } from '../live/live-context';
import type { Router } from '../routing';
import { createTemporalRouter, RoutingChanges } from '../routing';
import type { Store } from '../store/store';
import type { Credentials } from './auth';
import { Authenticator } from './auth';
import { ConversationClient } from './conversation-client';
import { RateLimiter } from './rate-limit';

/** Tunable limits of the API, with defaults for anything omitted. */
export interface ApiLimits {
  /** Conversations one client (IP) may start per minute, also the burst size. */
  startsPerMinute: number;
  /** Largest accepted request body in bytes (larger: 413). */
  bodyLimitBytes: number;
  /** Longest the API waits on one Temporal call before answering 503. */
  temporalTimeoutMs: number;
}

/** Defaults of ApiLimits. */
export const DEFAULT_API_LIMITS: ApiLimits = { startsPerMinute: 30, bodyLimitBytes: 32 * 1024, temporalTimeoutMs: 15_000 };

/** Everything the HTTP API needs, passed in so tests can supply their own. */
export interface ApiDeps {
  store: Store;
  client: Client;
  taskQueue: string;
  credentials: Credentials;
  limits?: Partial<ApiLimits>;
  /** The event stream and the pages' configuration (src/live). */
  live?: LiveOptions;
}

/** What route handlers use: the dependencies plus the services built over them once per app. */
export interface ApiContext {
  store: Store;
  client: Client;
  credentials: Credentials;
  limits: ApiLimits;
  auth: Authenticator;
  limiter: RateLimiter;
  /** Agent, presence and queue writes that poke the dispatchers concerned. */
  changes: RoutingChanges;
  conversations: ConversationClient;
  /** The event hub and stream settings. */
  live: LiveContext;
}

/** The dispatcher router with a deadline on each call, so an unreachable Temporal answers 503 instead of hanging. */
function withDeadline(client: Client, ms: number, router: Router): Router {
  return {
    poke: (queueIds) => client.withDeadline(Date.now() + ms, () => router.poke(queueIds)),
    deliver: (assignment) => client.withDeadline(Date.now() + ms, () => router.deliver(assignment)),
    reroute: (conversationId, toQueueId) => client.withDeadline(Date.now() + ms, () => router.reroute(conversationId, toQueueId)),
  };
}

/** Builds the per-app services from the dependencies. */
export function createContext(deps: ApiDeps): ApiContext {
  const limits = { ...DEFAULT_API_LIMITS, ...deps.limits };
  return {
    store: deps.store,
    client: deps.client,
    credentials: deps.credentials,
    limits,
    auth: new Authenticator(deps.store, deps.credentials),
    limiter: new RateLimiter({ perMinute: limits.startsPerMinute }),
    changes: new RoutingChanges(
      deps.store,
      withDeadline(deps.client, limits.temporalTimeoutMs, createTemporalRouter(deps.client, deps.taskQueue)),
    ),
    conversations: new ConversationClient(deps.client, deps.store, deps.taskQueue, limits.temporalTimeoutMs),
    live: createLiveContext(deps.store, deps.live),
  };
}
