import type { Client } from '@temporalio/client';
import type { Express } from 'express';
import type { Response, Test } from 'supertest';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { EventHub } from '../../src/live/event-hub';
import type { ApiDeps, ApiLimits } from '../../src/api/context';
import { newAgentToken } from '../../src/auth/tokens';
import { createLogger } from '../../src/logger';
import type { LifecycleConfig } from '../../src/domain/lifecycle-config';
import { DEFAULT_LIFECYCLE_CONFIG } from '../../src/domain/lifecycle-config';
import type { SeedOptions } from '../../src/store';
import type { Store } from '../../src/store/store';
import type { Harness } from '../workflows/conversation-fixture';
import { PICK_ONLY_SEED, startHarness, stopHarness } from '../workflows/conversation-fixture';

/** The admin token the test apps accept. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
/** The server secret of the test apps (customer tokens and derived ids). */
export const SECRET = 'test-secret-0123456789abcdef';

/** A running worker and environment plus an API app over them, with a token per seeded agent. */
export interface ApiHarness extends Harness {
  app: Express;
  deps: ApiDeps;
  /** Bearer tokens of the seeded agents (alice, bob, carol). */
  agentTokens: Record<string, string>;
  /** The app's event hub (it keeps the queue positions the conversation reads answer), closed by stopApi. */
  hub: EventHub;
}

/** A logger for test apps: silent unless LOG_LEVEL is set. */
export const testLogger = createLogger({ level: process.env.LOG_LEVEL ?? 'silent' });

/**
 * The dependencies of an app over `store` and `client` with the test credentials.
 * Every answer is checked against its documented schema, so a test also proves the OpenAPI document right.
 */
export function apiDeps(
  store: Store,
  client: Client,
  taskQueue: string,
  limits: Partial<ApiLimits> = {},
  lifecycle: LifecycleConfig = DEFAULT_LIFECYCLE_CONFIG,
): ApiDeps {
  return {
    store,
    client,
    taskQueue,
    lifecycle,
    logger: testLogger,
    credentials: { adminToken: ADMIN_TOKEN, secret: SECRET },
    limits: { startsPerMinute: 1000, ...limits },
    checkResponses: true,
  };
}

/** Gives an existing agent a bearer token the way POST /api/agents would. */
export async function issueAgentToken(store: Store, agentId: string): Promise<string> {
  const { token, hash } = newAgentToken();
  await store.addAgentToken(agentId, hash);
  return token;
}

/** Starts the time-skipping environment, a worker, the store (seeded, everyone Offline) and the app. */
export async function startApi(
  options: {
    seed?: SeedOptions;
    lifecycle?: LifecycleConfig;
    limits?: Partial<ApiLimits>;
    /** Another store than a private in-memory SQLite one (e.g. PostgreSQL). */
    openStore?: () => Promise<Store>;
    /** The real dev server instead of the time-skipping one (worker restarts: the test server never hands a stuck task to a new worker). */
    devServer?: boolean;
  } = {},
): Promise<ApiHarness> {
  const lifecycle = options.lifecycle ?? DEFAULT_LIFECYCLE_CONFIG;
  const h = await startHarness({
    lifecycle,
    seed: options.seed ?? PICK_ONLY_SEED,
    openStore: options.openStore,
    devServer: options.devServer,
  });
  const hub = new EventHub(h.store);
  const deps: ApiDeps = { ...apiDeps(h.store, h.env.client, h.taskQueue, options.limits, lifecycle), live: { hub } };
  const agentTokens: Record<string, string> = {};
  for (const agent of await h.store.listAgents()) agentTokens[agent.id] = await issueAgentToken(h.store, agent.id);
  return { ...h, app: createApp(deps), deps, agentTokens, hub };
}

/** Stops everything started by startApi (the hub first: it must not read a closed store). */
export async function stopApi(h: ApiHarness | undefined): Promise<void> {
  h?.hub.close();
  await stopHarness(h);
}

/** HTTP methods the API routes use. */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A request to `app`, with a bearer token when given. */
export function call(app: Express, method: Method, path: string, token?: string | null, body?: unknown): Test {
  let req: Test = request(app)[method](path);
  if (token) req = req.set('Authorization', `Bearer ${token}`);
  return body === undefined ? req : req.send(body as object);
}

/** A started chat: its id, the customer's token and the 201 body. */
export interface StartedChat {
  id: string;
  customerToken: string;
  response: Response;
}

/** Starts a chat through the API and checks the 201. */
export async function startChat(app: Express, body: Record<string, unknown> = {}, idempotencyKey?: string): Promise<StartedChat> {
  let req = request(app).post('/api/conversations');
  if (idempotencyKey) req = req.set('Idempotency-Key', idempotencyKey);
  const response = await req.send({ customer: { name: 'Dana' }, ...body });
  if (response.status !== 201) throw new Error(`start answered ${response.status}: ${JSON.stringify(response.body)}`);
  return { id: response.body.conversation.conversationId as string, customerToken: response.body.customerToken as string, response };
}

/** Everything a refused request must leave as it was: store ledger, read models and messages of `conversationIds`. */
export async function worldState(store: Store, conversationIds: readonly string[] = []): Promise<unknown> {
  const queues = await store.listQueues();
  return {
    agents: await store.listAgents(),
    queues,
    entries: await Promise.all(queues.map((q) => store.listQueueEntries(q.id))),
    reservations: await store.listReservations(),
    conversations: await Promise.all(conversationIds.map((id) => store.getConversation(id))),
    messages: await Promise.all(conversationIds.map((id) => store.listMessages(id))),
  };
}

/** Expects a JSON error answer with `status` and `code`; returns the error object. */
export function expectError(
  response: Response,
  status: number,
  code: string,
): { code: string; message: string; details?: Record<string, unknown> } {
  expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code });
  expect(typeof response.body.error.message).toBe('string');
  return response.body.error;
}
