import type { ApiHarness } from './helpers';
import { ADMIN_TOKEN, call, expectError, startApi, startChat, stopApi, worldState } from './helpers';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApi();
});
afterAll(() => stopApi(h));

describe('offers over HTTP', () => {
  it('sets a queue to offer mode, offers a pushed chat to the agent, who declines then accepts the next', async () => {
    const queue = await call(h.app, 'post', '/api/queues', ADMIN_TOKEN, {
      id: 'sales',
      offerMode: 'offer',
      offerTimeoutMs: 60_000,
      maxDeclines: 2,
      missedOfferPresence: null,
    }).expect(201);
    expect(queue.body.queue).toMatchObject({ offerMode: 'offer', offerTimeoutMs: 60_000, maxDeclines: 2, missedOfferPresence: null });
    const created = await call(h.app, 'post', '/api/agents', ADMIN_TOKEN, {
      id: 'sam',
      capacity: 10,
      presence: 'Available',
      queues: ['sales'],
    }).expect(201);
    const sam = created.body.token as string;

    const chat = await startChat(h.app, { queueId: 'sales' });
    expect(chat.response.body.conversation).toMatchObject({ state: 'Open', agentId: null });
    const items = await call(h.app, 'get', '/api/agents/sam/work-items', sam).expect(200);
    expect(items.body.workItems).toEqual([expect.objectContaining({ conversationId: chat.id, state: 'Open', offerAgentId: 'sam' })]);

    // Another agent of the queue cannot answer sam's offer: it is not theirs (one code, whoever asks).
    const other = await call(h.app, 'post', '/api/agents', ADMIN_TOKEN, { id: 'tia', queues: ['sales'] }).expect(201);
    const before = await worldState(h.store, [chat.id]);
    expectError(await call(h.app, 'post', `/api/conversations/${chat.id}/accept`, other.body.token as string), 409, 'OFFER_TAKEN');
    expect(await worldState(h.store, [chat.id])).toEqual(before);
    // An agent of another queue is not let near it at all.
    const outsider = await call(h.app, 'post', '/api/agents', ADMIN_TOKEN, { id: 'uma', queues: ['default'] }).expect(201);
    expectError(await call(h.app, 'post', `/api/conversations/${chat.id}/accept`, outsider.body.token as string), 403, 'FORBIDDEN');

    await call(h.app, 'post', `/api/conversations/${chat.id}/decline`, sam, { reason: 'wrong language' }).expect(200);
    const read = await call(h.app, 'get', `/api/conversations/${chat.id}`, ADMIN_TOKEN).expect(200);
    expect(read.body.conversation).toMatchObject({ state: 'Open', offer: null, excludedAgents: ['sam'], declines: 1 });
    // Having declined it, sam's late accept (another tab) lost: the offer is no longer theirs.
    expectError(await call(h.app, 'post', `/api/conversations/${chat.id}/accept`, sam), 409, 'OFFER_TAKEN');

    const next = await startChat(h.app, { queueId: 'sales' });
    const accepted = await call(h.app, 'post', `/api/conversations/${next.id}/accept`, sam).expect(200);
    expect(accepted.body.conversation).toMatchObject({ state: 'Active', agentId: 'sam' });
  });

  it('creates agents with automatic presence when asked, and refuses offer settings out of range', async () => {
    const created = await call(h.app, 'post', '/api/agents', ADMIN_TOKEN, { id: 'ada', autoPresence: true }).expect(201);
    expect(created.body.agent).toMatchObject({ autoPresence: true, chosenPresence: 'Offline', presence: 'Offline' });
    expectError(await call(h.app, 'patch', '/api/queues/default', ADMIN_TOKEN, { maxDeclines: 9 }), 400, 'INVALID_INPUT');
    expectError(await call(h.app, 'patch', '/api/queues/default', ADMIN_TOKEN, { offerTimeoutMs: 10 }), 400, 'INVALID_INPUT');
    expect((await h.store.getQueue('default'))?.maxDeclines).toBe(3);
  });
});
