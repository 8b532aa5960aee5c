import type { Client } from '@temporalio/client';
import { ServiceError } from '@temporalio/client';
import { createApp } from '../../src/api/app';
import { toApiError } from '../../src/api/http/error-handler';
import { createStore } from '../../src/store';
import { createTestWorker } from '../helpers/test-worker';
import { until } from '../workflows/conversation-fixture';
import type { ApiHarness } from './helpers';
import { ADMIN_TOKEN, apiDeps, call, expectError, startApi, startChat, stopApi, worldState } from './helpers';

/** A gRPC failure as @grpc/grpc-js raises it (code, details, metadata). */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

describe('Temporal failures are 503, never 500', () => {
  it.each([
    ['FAILED_PRECONDITION (no poller seen)', 9, 'no poller seen for task queue recently'],
    ['CANCELLED', 1, 'Cancelled on client'],
    ['INTERNAL', 13, 'something broke in the server'],
    ['RESOURCE_EXHAUSTED', 8, 'namespace rate limit exceeded'],
  ])('maps %s to 503 with Retry-After', (_what, code, details) => {
    const error = toApiError(new ServiceError('Failed to query Workflow', { cause: grpcError(code, details) }));
    expect(error?.status).toBe(503);
    expect(error?.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('answers a start refused for unregistered search attributes with 503 and a clear message', async () => {
    const failing = {
      withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
      workflow: {
        executeUpdateWithStart: () =>
          Promise.reject(grpcError(3, 'Namespace default has no mapping defined for search attribute ConversationState')),
        start: () => Promise.reject(grpcError(3, 'Namespace default has no mapping defined for search attribute ConversationState')),
      },
    } as unknown as Client;
    const store = await createStore({ databaseUrl: null, sqliteFile: ':memory:' });
    try {
      const app = createApp(apiDeps(store, failing, 'conversations'));
      const res = await call(app, 'post', '/api/conversations', null, {});
      const error = expectError(res, 503, 'TEMPORAL_UNAVAILABLE');
      expect(error.message).toMatch(/search attribute/i);
      expect(res.headers['retry-after']).toBeDefined();
      expect(await store.listQueueEntries('default')).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('while no worker polls', () => {
  let h: ApiHarness;
  let alice: string;
  let chatId: string;
  let customer: string;

  beforeAll(async () => {
    h = await startApi({ devServer: true, limits: { temporalTimeoutMs: 1_500, queryTimeoutMs: 1_000 } });
    alice = h.agentTokens.alice as string;
    const chat = await startChat(h.app);
    chatId = chat.id;
    customer = chat.customerToken;
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice).expect(200);
    h.worker.shutdown();
    await h.running;
  });
  afterAll(() => stopApi(h));

  it('answers a read from the store in full, and a read asked of the workflow from the row once the query deadline passes', async () => {
    const res = await call(h.app, 'get', `/api/conversations/${chatId}`, customer);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      source: 'store',
      conversation: { conversationId: chatId, state: 'Active', agentId: 'alice', capacityHeld: true },
    });
    // A read that waited on the missing worker would never answer: jest's limit fails it (no wall-clock figure asserted here).
    const asked = await call(h.app, 'get', `/api/conversations/${chatId}?source=workflow`, customer);
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({ source: 'readModel', conversation: { conversationId: chatId, state: 'Active', agentId: 'alice' } });
  });

  it('says the outcome of an update is unknown, and a retry with the same key applies it once when the worker is back', async () => {
    const before = await worldState(h.store, [chatId]);
    const first = await call(h.app, 'post', `/api/conversations/${chatId}/end`, alice, {}).set('Idempotency-Key', 'end-while-down');
    const error = expectError(first, 503, 'OUTCOME_UNKNOWN');
    expect(error.message).toMatch(/Idempotency-Key/);
    expect(Number(first.headers['retry-after'])).toBeGreaterThan(0);
    expect(await worldState(h.store, [chatId])).toEqual(before);

    const restarted = await createTestWorker({ env: h.env, store: h.store, taskQueue: h.taskQueue });
    h.worker = restarted.worker;
    h.running = restarted.worker.run();
    // As a client would: retry with the same key while the answer is still unknown (the new worker takes the task over).
    let retry = await call(h.app, 'post', `/api/conversations/${chatId}/end`, alice, {}).set('Idempotency-Key', 'end-while-down');
    for (let attempt = 0; attempt < 20 && retry.status === 503; attempt++) {
      expect(retry.body.error.code).toBe('OUTCOME_UNKNOWN');
      retry = await call(h.app, 'post', `/api/conversations/${chatId}/end`, alice, {}).set('Idempotency-Key', 'end-while-down');
    }
    expect(retry.status).toBe(200);
    expect(retry.body.conversation.state).toBe('WrapUp');
    const snapshot = await call(h.app, 'get', `/api/conversations/${chatId}`, ADMIN_TOKEN);
    expect(snapshot.body.source).toBe('store');
    expect(snapshot.body.conversation.transitions.filter((t: { op: string }) => t.op === 'end')).toHaveLength(1);
  });

  it('answers a retry of a transfer whose first answer was lost, though applied since, as the first would have', async () => {
    const chat = await startChat(h.app);
    // bob is in the default queue only: the transfer to billing takes the chat out of his reach.
    const bob = h.agentTokens.bob as string;
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, bob).expect(200);
    h.worker.shutdown();
    await h.running;
    const transfer = () =>
      call(h.app, 'post', `/api/conversations/${chat.id}/transfer`, bob, { toQueueId: 'billing' }).set('Idempotency-Key', 'transfer-lost');
    expectError(await transfer(), 503, 'OUTCOME_UNKNOWN');

    // The worker comes back and applies the transfer the first attempt sent.
    const restarted = await createTestWorker({ env: h.env, store: h.store, taskQueue: h.taskQueue });
    h.worker = restarted.worker;
    h.running = restarted.worker.run();
    await until(async () => (await h.store.getConversation(chat.id))?.queueId === 'billing');

    // bob may no longer transfer it (403 for a fresh request), yet the retry answers the first attempt's outcome.
    const retry = await transfer();
    expect(retry.status).toBe(200);
    expect(retry.body.conversation).toMatchObject({ conversationId: chat.id, state: 'Open', queueId: 'billing', agentId: null });
    expectError(
      await call(h.app, 'post', `/api/conversations/${chat.id}/transfer`, bob, { toQueueId: 'billing' }).set('Idempotency-Key', 'fresh'),
      403,
      'FORBIDDEN',
    );
    const read = await call(h.app, 'get', `/api/conversations/${chat.id}`, ADMIN_TOKEN);
    expect(read.body.conversation.transitions.filter((t: { op: string }) => t.op === 'transfer')).toHaveLength(1);
  });

  it('answers a conversation whose workflow is gone (past retention) from the read model', async () => {
    const view = { ...(await h.store.getConversation(chatId))!, conversationId: 'retained-past', version: 1 };
    await h.store.applyConversation({ view, release: false, enqueue: null, dequeue: false });
    const res = await call(h.app, 'get', '/api/conversations/retained-past', ADMIN_TOKEN);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ source: 'readModel', conversation: { conversationId: 'retained-past' } });
  });
});
