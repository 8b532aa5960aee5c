import { Client, Connection } from '@temporalio/client';
import type { Response } from 'supertest';
import { createApp } from '../../src/api/app';
import { createStore } from '../../src/store';
import type { ApiHarness } from './helpers';
import { ADMIN_TOKEN, apiDeps, call, expectError, startApi, startChat, stopApi, worldState } from './helpers';

let h: ApiHarness;
let alice: string;
let bob: string;

beforeAll(async () => {
  h = await startApi();
  alice = h.agentTokens.alice as string;
  bob = h.agentTokens.bob as string;
});
afterAll(() => stopApi(h));

/** Runs `act`, checks its error answer, and that the store (and the named conversations' snapshots) did not change. */
async function refusedWithoutChange(
  act: () => PromiseLike<Response>,
  status: number,
  code: string,
  conversationIds: string[] = [],
): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  const snapshots = () =>
    Promise.all(
      conversationIds.map(async (id) =>
        (await h.store.getConversation(id))?.state !== 'Closed'
          ? (await call(h.app, 'get', `/api/conversations/${id}`, ADMIN_TOKEN)).body
          : null,
      ),
    );
  const before = { world: await worldState(h.store, conversationIds), snapshots: await snapshots() };
  const error = expectError(await act(), status, code);
  expect({ world: await worldState(h.store, conversationIds), snapshots: await snapshots() }).toEqual(before);
  return error;
}

describe('400 INVALID_INPUT names the field and why', () => {
  it.each([
    ['an unknown channel', { channel: 'fax' }, 'body.channel'],
    ['an unknown field', { colour: 'red' }, 'body.colour'],
    ['a malformed customer id', { customer: { id: 'no spaces allowed' } }, 'body.customer.id'],
    ['a negative priority', { priority: -1 }, 'body.priority'],
  ])('refuses to start a chat with %s', async (_what, body, field) => {
    const error = await refusedWithoutChange(() => call(h.app, 'post', '/api/conversations', null, body), 400, 'INVALID_INPUT');
    expect(error.message).toContain(field);
    expect(error.details?.problems).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('refuses a bad path id, a bad query, a transfer with two targets and malformed JSON', async () => {
    const chat = await startChat(h.app);
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice).expect(200);
    const ids = [chat.id];
    expect(
      (await refusedWithoutChange(() => call(h.app, 'get', '/api/conversations/bad%20id', ADMIN_TOKEN), 400, 'INVALID_INPUT')).message,
    ).toContain('path.id');
    const limit = await refusedWithoutChange(
      () => call(h.app, 'get', `/api/conversations/${chat.id}/messages?limit=lots`, alice),
      400,
      'INVALID_INPUT',
      ids,
    );
    expect(limit.message).toContain('query.limit');
    const both = await refusedWithoutChange(
      () => call(h.app, 'post', `/api/conversations/${chat.id}/transfer`, alice, { toQueueId: 'billing', toAgentId: 'bob' }),
      400,
      'INVALID_INPUT',
      ids,
    );
    expect(both.message).toContain('exactly one');
    await refusedWithoutChange(
      () => call(h.app, 'post', `/api/conversations/${chat.id}/messages`, alice).set('content-type', 'application/json').send('{"text": '),
      400,
      'INVALID_INPUT',
      ids,
    );
    await refusedWithoutChange(
      () => call(h.app, 'post', `/api/conversations/${chat.id}/messages`, alice, { text: '' }),
      400,
      'INVALID_INPUT',
      ids,
    );
  });
});

describe('odd requests are 4xx, never 500', () => {
  it('answers unknown agents, self-transfers, bad encodings and repeated query values', async () => {
    const chat = await startChat(h.app);
    const ids = [chat.id];
    await refusedWithoutChange(
      () => call(h.app, 'post', `/api/conversations/${chat.id}/assign`, ADMIN_TOKEN, { agentId: 'nobody' }),
      404,
      'UNKNOWN_AGENT',
      ids,
    );
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice).expect(200);
    await refusedWithoutChange(
      () => call(h.app, 'post', `/api/conversations/${chat.id}/transfer`, alice, { toAgentId: 'alice' }),
      400,
      'INVALID_INPUT',
      ids,
    );
    await refusedWithoutChange(
      () => call(h.app, 'post', `/api/conversations/${chat.id}/transfer`, alice, { toAgentId: 'nobody' }),
      404,
      'UNKNOWN_AGENT',
      ids,
    );
    await refusedWithoutChange(() => call(h.app, 'get', '/api/conversations/%E0%A4%A', ADMIN_TOKEN), 400, 'INVALID_INPUT');
    await refusedWithoutChange(
      () => call(h.app, 'get', `/api/conversations/${chat.id}/messages?limit=1&limit=2`, alice),
      400,
      'INVALID_INPUT',
      ids,
    );
    await refusedWithoutChange(
      () => call(h.app, 'post', '/api/queues', ADMIN_TOKEN, { id: 'q', eligiblePresences: ['Sleeping'] }),
      400,
      'INVALID_INPUT',
    );
    await refusedWithoutChange(() => call(h.app, 'get', '/api/agents', 'Basic abc'), 401, 'UNAUTHORIZED');
  });
});

describe('401 and 403', () => {
  it('refuses a missing or unknown token with 401 and another agent with 403, changing nothing', async () => {
    const chat = await startChat(h.app);
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice).expect(200);
    const ids = [chat.id];
    await refusedWithoutChange(() => call(h.app, 'post', `/api/conversations/${chat.id}/end`), 401, 'UNAUTHORIZED', ids);
    await refusedWithoutChange(() => call(h.app, 'post', `/api/conversations/${chat.id}/end`, 'agt_forged'), 401, 'UNAUTHORIZED', ids);
    await refusedWithoutChange(
      () => call(h.app, 'post', `/api/conversations/${chat.id}/end`, `cus_${chat.id}.Zm9yZ2Vk`),
      401,
      'UNAUTHORIZED',
      ids,
    );
    await refusedWithoutChange(() => call(h.app, 'post', `/api/conversations/${chat.id}/end`, bob), 403, 'FORBIDDEN', ids);
    const other = await startChat(h.app);
    await refusedWithoutChange(() => call(h.app, 'post', `/api/conversations/${chat.id}/end`, other.customerToken), 403, 'FORBIDDEN', ids);
  });
});

describe('404', () => {
  it('answers unknown conversations, agents and queues, changing nothing', async () => {
    await refusedWithoutChange(() => call(h.app, 'get', '/api/conversations/nope', ADMIN_TOKEN), 404, 'UNKNOWN_CONVERSATION');
    await refusedWithoutChange(() => call(h.app, 'post', '/api/conversations/nope/pick', alice), 404, 'UNKNOWN_CONVERSATION');
    await refusedWithoutChange(() => call(h.app, 'patch', '/api/agents/nobody', ADMIN_TOKEN, { capacity: 5 }), 404, 'UNKNOWN_AGENT');
    await refusedWithoutChange(
      () => call(h.app, 'put', '/api/agents/nobody/presence', ADMIN_TOKEN, { presence: 'Available' }),
      404,
      'UNKNOWN_AGENT',
    );
    await refusedWithoutChange(() => call(h.app, 'post', '/api/conversations', null, { queueId: 'nowhere' }), 404, 'UNKNOWN_QUEUE');
    await refusedWithoutChange(
      () => call(h.app, 'post', '/api/agents', ADMIN_TOKEN, { id: 'dave', queues: ['nowhere'] }),
      404,
      'UNKNOWN_QUEUE',
    );
    expect(await h.store.findAgentByTokenHash('x')).toBeNull();
    const chat = await startChat(h.app);
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice).expect(200);
    await refusedWithoutChange(
      () => call(h.app, 'post', `/api/conversations/${chat.id}/transfer`, alice, { toQueueId: 'nowhere' }),
      404,
      'UNKNOWN_QUEUE',
      [chat.id],
    );
  });

  it('answers 404 for a read model whose workflow does not exist', async () => {
    const view = { ...(await h.store.getConversation((await startChat(h.app)).id))!, conversationId: 'orphan', version: 1 };
    await h.store.applyConversation({ view, release: false, enqueue: null, dequeue: false });
    await refusedWithoutChange(() => call(h.app, 'post', '/api/conversations/orphan/pick', alice), 404, 'UNKNOWN_CONVERSATION', ['orphan']);
  });
});

describe('409 state refusals', () => {
  it('names the state on an invalid transition and on a Closed conversation', async () => {
    const chat = await startChat(h.app);
    const ids = [chat.id];
    const wrong = await refusedWithoutChange(
      () => call(h.app, 'post', `/api/conversations/${chat.id}/reopen`, alice),
      403,
      'FORBIDDEN',
      ids,
    );
    expect(wrong.message).toContain('not yours');
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice).expect(200);
    const invalid = await refusedWithoutChange(
      () => call(h.app, 'post', `/api/conversations/${chat.id}/reopen`, alice),
      409,
      'INVALID_TRANSITION',
      ids,
    );
    expect(invalid.message).toContain('Active');
    expect(invalid.details).toMatchObject({ state: 'Active' });
    await call(h.app, 'post', `/api/conversations/${chat.id}/end`, alice).expect(200);
    await call(h.app, 'post', `/api/conversations/${chat.id}/close-tab`, alice).expect(200);
    for (const op of ['end', 'close-tab', 'reopen', 'read']) {
      const closed = await refusedWithoutChange(
        () => call(h.app, 'post', `/api/conversations/${chat.id}/${op}`, alice),
        409,
        'CONVERSATION_CLOSED',
        ids,
      );
      expect(closed.message).toContain('Closed');
    }
    await refusedWithoutChange(
      () => call(h.app, 'post', `/api/conversations/${chat.id}/messages`, chat.customerToken, { text: 'hello?' }),
      409,
      'CONVERSATION_CLOSED',
      ids,
    );
  });

  it('answers ALREADY_TAKEN to a pick that lost the race to the dispatcher', async () => {
    const chat = await startChat(h.app, { queueId: 'billing' });
    // The dispatcher has matched it to carol (store reservation) but not yet told the workflow.
    await h.store.setPresence('carol', 'Available');
    const [match] = await h.store.dispatch('billing', 1);
    await h.store.setPresence('carol', 'Offline');
    expect(match).toMatchObject({ conversationId: chat.id, agentId: 'carol' });
    const alice = h.agentTokens.alice as string;
    await refusedWithoutChange(() => call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice), 409, 'ALREADY_TAKEN', [chat.id]);
    await h.store.releaseReservation(chat.id);
  });

  it('answers NO_CAPACITY when the agent has no room, ALREADY_EXISTS on a second create', async () => {
    const first = await startChat(h.app);
    const second = await startChat(h.app);
    await call(h.app, 'post', `/api/conversations/${first.id}/pick`, bob).expect(200);
    await refusedWithoutChange(() => call(h.app, 'post', `/api/conversations/${second.id}/pick`, bob), 409, 'NO_CAPACITY', [second.id]);
    await refusedWithoutChange(() => call(h.app, 'post', '/api/agents', ADMIN_TOKEN, { id: 'bob' }), 409, 'ALREADY_EXISTS');
    await refusedWithoutChange(() => call(h.app, 'post', '/api/queues', ADMIN_TOKEN, { id: 'billing' }), 409, 'ALREADY_EXISTS');
    await call(h.app, 'post', `/api/conversations/${first.id}/end`, bob).expect(200);
    await call(h.app, 'post', `/api/conversations/${first.id}/close-tab`, bob).expect(200);
  });

  it('answers REVIVE_WINDOW_EXPIRED after the revive window', async () => {
    const chat = await startChat(h.app);
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice).expect(200);
    await call(h.app, 'post', `/api/conversations/${chat.id}/close-tab`, alice).expect(200);
    await h.env.sleep('4 minutes');
    await refusedWithoutChange(
      () => call(h.app, 'post', `/api/conversations/${chat.id}/revive`, chat.customerToken),
      409,
      'REVIVE_WINDOW_EXPIRED',
      [chat.id],
    );
  });
});

describe('413, 429 and 503', () => {
  it('refuses an oversized body with 413', async () => {
    const chat = await startChat(h.app);
    await refusedWithoutChange(
      () => call(h.app, 'post', `/api/conversations/${chat.id}/messages`, chat.customerToken, { text: 'x'.repeat(40_000) }),
      413,
      'PAYLOAD_TOO_LARGE',
      [chat.id],
    );
  });

  it('rate-limits starts per client with Retry-After', async () => {
    const limited = createApp(apiDeps(h.store, h.env.client, h.taskQueue, { startsPerMinute: 2 }));
    await startChat(limited);
    await startChat(limited);
    const before = await worldState(h.store);
    const res = await call(limited, 'post', '/api/conversations', null, {});
    expectError(res, 429, 'RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await worldState(h.store)).toEqual(before);
  });

  it('counts starts per client address: behind a trusted proxy, per X-Forwarded-For; otherwise the proxy’s own', async () => {
    const deps = (trustProxy: string | false) => ({ ...apiDeps(h.store, h.env.client, h.taskQueue, { startsPerMinute: 1 }), trustProxy });
    const start = (app: ReturnType<typeof createApp>, client: string) =>
      call(app, 'post', '/api/conversations', null, {}).set('X-Forwarded-For', client);
    const proxied = createApp(deps('loopback'));
    expect((await start(proxied, '203.0.113.1')).status).toBe(201);
    expect((await start(proxied, '203.0.113.2')).status).toBe(201);
    expectError(await start(proxied, '203.0.113.1'), 429, 'RATE_LIMITED');
    // Not trusted: X-Forwarded-For is ignored, so one address (the proxy's) shares one budget.
    const direct = createApp(deps(false));
    expect((await start(direct, '203.0.113.3')).status).toBe(201);
    expectError(await start(direct, '203.0.113.4'), 429, 'RATE_LIMITED');
  });

  it('answers 503 with Retry-After when Temporal is unreachable, creating nothing', async () => {
    const connection = Connection.lazy({ address: '127.0.0.1:1' });
    const down = createApp(apiDeps(h.store, new Client({ connection }), h.taskQueue, { temporalTimeoutMs: 500 }));
    const before = await worldState(h.store);
    const res = await call(down, 'post', '/api/conversations', null, {});
    expectError(res, 503, 'TEMPORAL_UNAVAILABLE');
    expect(res.headers['retry-after']).toBe('5');
    const ready = await call(down, 'get', '/readyz');
    expectError(ready, 503, 'TEMPORAL_UNAVAILABLE');
    expect(ready.body.error.details).toEqual({ temporal: 'unreachable', store: 'ok' });
    expect(await worldState(h.store)).toEqual(before);
    await connection.close();
  });

  it('answers 503 when the store is unreachable', async () => {
    const store = await createStore({ databaseUrl: null, sqliteFile: ':memory:' });
    await store.close();
    const down = createApp(apiDeps(store, h.env.client, h.taskQueue));
    expectError(await call(down, 'get', '/api/agents', ADMIN_TOKEN), 503, 'STORE_UNAVAILABLE');
    expectError(await call(down, 'post', '/api/conversations', null, {}), 503, 'STORE_UNAVAILABLE');
    const ready = await call(down, 'get', '/readyz');
    expectError(ready, 503, 'STORE_UNAVAILABLE');
    expect(ready.headers['retry-after']).toBe('5');
  });
});
