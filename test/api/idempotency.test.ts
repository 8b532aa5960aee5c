import type { Response, Test } from 'supertest';
import { createApp } from '../../src/api/app';
import type { Store } from '../../src/store/store';
import type { ApiHarness, Method } from './helpers';
import { ADMIN_TOKEN, call, expectError, startApi, startChat, stopApi, worldState } from './helpers';

let h: ApiHarness;
let alice: string;
let bob: string;

beforeAll(async () => {
  h = await startApi();
  alice = h.agentTokens.alice as string;
  bob = h.agentTokens.bob as string;
});
afterAll(() => stopApi(h));

let keys = 0;
const freshKey = () => `key-${++keys}-${Date.now()}`;

function keyed(method: Method, path: string, token: string | null, body: unknown, key: string): Test {
  return call(h.app, method, path, token, body).set('Idempotency-Key', key);
}

/** Sends the same keyed request twice: the retry answers as the first did, marked replayed, and changes nothing more. */
async function expectReplay(method: Method, path: string, token: string | null, body: unknown, ids: string[] = []): Promise<Response> {
  const key = freshKey();
  const first = await keyed(method, path, token, body, key);
  expect({ path, status: first.status }).toEqual({ path, status: expect.any(Number) });
  expect(first.status).toBeLessThan(300);
  expect(first.headers['idempotent-replayed']).toBeUndefined();
  const after = await worldState(h.store, ids);
  const again = await keyed(method, path, token, body, key);
  expect({ status: again.status, body: again.body }).toEqual({ status: first.status, body: first.body });
  expect(again.headers['idempotent-replayed']).toBe('true');
  expect(await worldState(h.store, ids)).toEqual(after);
  if (body !== undefined && typeof body === 'object' && body !== null) {
    const other = await keyed(method, path, token, { ...body, unexpected: 'different body' }, key);
    // A different body with the same key is refused as reuse, before any validation of the body.
    expectError(other, 409, 'IDEMPOTENCY_KEY_REUSED');
    expect(await worldState(h.store, ids)).toEqual(after);
  }
  return first;
}

async function picked(token = alice): Promise<string> {
  const chat = await startChat(h.app);
  await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, token).expect(200);
  return chat.id;
}

describe('every operation replays its first answer for a retried Idempotency-Key', () => {
  it('pick, end and close-tab', async () => {
    const chat = await startChat(h.app);
    await expectReplay('post', `/api/conversations/${chat.id}/pick`, alice, {}, [chat.id]);
    await expectReplay('post', `/api/conversations/${chat.id}/end`, alice, {}, [chat.id]);
    await expectReplay('post', `/api/conversations/${chat.id}/close-tab`, alice, {}, [chat.id]);
  });

  it('close-tab to Waiting, reopen, read, transfer and messages', async () => {
    const id = await picked();
    await expectReplay('post', `/api/conversations/${id}/close-tab`, alice, {}, [id]);
    await expectReplay('post', `/api/conversations/${id}/reopen`, alice, {}, [id]);
    await expectReplay('post', `/api/conversations/${id}/messages`, alice, { text: 'once' }, [id]);
    expect(await h.store.listMessages(id)).toHaveLength(1);
    await expectReplay('post', `/api/conversations/${id}/read`, alice, {}, [id]);
    await expectReplay('post', `/api/conversations/${id}/transfer`, alice, { toQueueId: 'billing' }, [id]);
  });

  it('revive and disconnect by the customer', async () => {
    const chat = await startChat(h.app);
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice).expect(200);
    await call(h.app, 'post', `/api/conversations/${chat.id}/close-tab`, alice).expect(200);
    await expectReplay('post', `/api/conversations/${chat.id}/revive`, chat.customerToken, {}, [chat.id]);
    await expectReplay('post', `/api/conversations/${chat.id}/disconnect`, chat.customerToken, {}, [chat.id]);
  });

  it('assign and force-close by the supervisor', async () => {
    const chat = await startChat(h.app);
    await expectReplay('post', `/api/conversations/${chat.id}/assign`, ADMIN_TOKEN, { agentId: 'alice' }, [chat.id]);
    await expectReplay('post', `/api/conversations/${chat.id}/force-close`, ADMIN_TOKEN, {}, [chat.id]);
  });

  it('presence, agent and queue create and patch', async () => {
    await expectReplay('put', '/api/agents/alice/presence', alice, { presence: 'Away' });
    await call(h.app, 'put', '/api/agents/alice/presence', alice, { presence: 'Offline' }).expect(200);
    const created = await expectReplay('post', '/api/agents', ADMIN_TOKEN, { id: 'idem-agent', queues: ['default'] });
    // The replayed answer carries the same working token (it is derived from the key, never stored).
    await call(h.app, 'get', '/api/agents/idem-agent/work-items', created.body.token).expect(200);
    await expectReplay('patch', '/api/agents/idem-agent', ADMIN_TOKEN, { capacity: 7 });
    await expectReplay('post', '/api/queues', ADMIN_TOKEN, { id: 'idem-queue' });
    await expectReplay('patch', '/api/queues/idem-queue', ADMIN_TOKEN, { priority: 3 });
  });

  it('token issue and revocation', async () => {
    const issued = await expectReplay('post', '/api/agents/idem-agent/tokens', ADMIN_TOKEN, {});
    await call(h.app, 'get', '/api/agents/idem-agent/work-items', issued.body.token).expect(200);
    await expectReplay('delete', '/api/agents/idem-agent/tokens', ADMIN_TOKEN, undefined);
  });
});

describe('keys are scoped by route, target and caller', () => {
  it('never replays one agent’s key for another agent', async () => {
    const key = freshKey();
    const mine = await picked(alice);
    const theirs = await picked(bob);
    const a = await keyed('post', `/api/conversations/${mine}/end`, alice, {}, key);
    expect(a.body.conversation).toMatchObject({ conversationId: mine, state: 'WrapUp' });
    const b = await keyed('post', `/api/conversations/${theirs}/end`, bob, {}, key);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.body.conversation).toMatchObject({ conversationId: theirs, state: 'WrapUp' });
    await call(h.app, 'put', '/api/agents/alice/presence', alice, { presence: 'Away' }).set('Idempotency-Key', key).expect(200);
    const admin = await call(h.app, 'put', '/api/agents/alice/presence', ADMIN_TOKEN, { presence: 'Offline' }).set('Idempotency-Key', key);
    expect(admin.status).toBe(200);
    expect(admin.body.agent.presence).toBe('Offline');
  });
});

describe('a retry whose first answer was never recorded', () => {
  it('answers a keyed start whose conversation has closed since with its final standing, starting nothing', async () => {
    const key = freshKey();
    const first = await startChat(h.app, {}, key);
    await call(h.app, 'post', `/api/conversations/${first.id}/pick`, alice).expect(200);
    await call(h.app, 'post', `/api/conversations/${first.id}/end`, alice).expect(200);
    await call(h.app, 'post', `/api/conversations/${first.id}/close-tab`, alice).expect(200);
    // As if the first attempt died before recording its answer.
    const forgetful = Object.assign(Object.create(h.store) as Store, {
      getIdempotencyRecord: () => Promise.resolve(null),
      saveIdempotencyRecord: (scope: string, k: string, response: string) =>
        Promise.resolve({ scope, key: k, response, createdAt: new Date().toISOString() }),
    });
    const before = await worldState(h.store, [first.id]);
    const retry = await call(createApp({ ...h.deps, store: forgetful }), 'post', '/api/conversations', null, {
      customer: { name: 'Dana' },
    }).set('Idempotency-Key', key);
    expect(retry.status).toBe(201);
    expect(retry.body.conversation).toMatchObject({ conversationId: first.id, state: 'Closed' });
    expect(retry.body.customerToken).toBe(first.customerToken);
    expect(await worldState(h.store, [first.id])).toEqual(before);
  });

  it('is applied once: Temporal dedupes the update by an id derived from the key', async () => {
    const id = await picked();
    const key = freshKey();
    const forgetful = Object.assign(Object.create(h.store) as Store, {
      getIdempotencyRecord: () => Promise.resolve(null),
      saveIdempotencyRecord: (scope: string, k: string, response: string) =>
        Promise.resolve({ scope, key: k, response, createdAt: new Date().toISOString() }),
    });
    const app = createApp({ ...h.deps, store: forgetful });
    const first = await call(app, 'post', `/api/conversations/${id}/end`, alice, {}).set('Idempotency-Key', key);
    expect(first.status).toBe(200);
    const retry = await call(app, 'post', `/api/conversations/${id}/end`, alice, {}).set('Idempotency-Key', key);
    expect({ status: retry.status, conversation: retry.body.conversation }).toEqual({ status: 200, conversation: first.body.conversation });
    const snapshot = await call(h.app, 'get', `/api/conversations/${id}`, ADMIN_TOKEN);
    expect(snapshot.body.conversation.transitions.filter((t: { op: string }) => t.op === 'end')).toHaveLength(1);
  });
});
