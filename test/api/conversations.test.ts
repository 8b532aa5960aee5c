import { createApp } from '../../src/api/app';
import type { Store } from '../../src/store/store';
import type { ApiHarness } from './helpers';
import { call, expectError, startApi, startChat, stopApi, worldState } from './helpers';

let h: ApiHarness;
let alice: string;
let bob: string;
let carol: string;

beforeAll(async () => {
  h = await startApi();
  alice = h.agentTokens.alice as string;
  bob = h.agentTokens.bob as string;
  carol = h.agentTokens.carol as string;
});
afterAll(() => stopApi(h));

async function state(id: string, token: string): Promise<string> {
  const res = await call(h.app, 'get', `/api/conversations/${id}`, token);
  expect(res.status).toBe(200);
  return res.body.conversation.state as string;
}

describe('starting a chat', () => {
  it('answers 201 once the conversation is queued, with a customer token that reads it', async () => {
    const chat = await startChat(h.app, { customer: { id: 'cust-7', name: 'Dana' }, channel: 'sms', priority: 3 });
    expect(chat.response.body.conversation).toMatchObject({ state: 'Open', queueId: 'default', agentId: null, unreadCount: 0 });
    expect(chat.response.headers.location).toBe(`/api/conversations/${chat.id}`);
    expect(chat.customerToken).toMatch(/^cus_/);
    // Read your writes: the store and the queue show it at once.
    expect(await h.store.getConversation(chat.id)).toMatchObject({ state: 'Open', customerId: 'cust-7', channel: 'sms', priority: 3 });
    const open = await call(h.app, 'get', '/api/queues/default/open-work-items', alice);
    expect(open.body.openWorkItems.map((e: { conversationId: string }) => e.conversationId)).toContain(chat.id);
    const got = await call(h.app, 'get', `/api/conversations/${chat.id}`, chat.customerToken);
    expect(got.body.conversation).toMatchObject({
      conversationId: chat.id,
      state: 'Open',
      channel: 'sms',
      customer: { id: 'cust-7', name: 'Dana' },
    });
  });

  it('takes its units from the queue and defaults to the default queue', async () => {
    await call(h.app, 'patch', '/api/queues/billing', 'test-admin-token-0123456789', { unitsPerConversation: 25 }).expect(200);
    const billing = await startChat(h.app, { queueId: 'billing' });
    expect((await h.store.getConversation(billing.id))?.units).toBe(25);
    const plain = await startChat(h.app);
    expect(await h.store.getConversation(plain.id)).toMatchObject({ queueId: 'default', units: 10, channel: 'chat' });
    await call(h.app, 'patch', '/api/queues/billing', 'test-admin-token-0123456789', { unitsPerConversation: null }).expect(200);
  });
});

describe('a chat from start to Closed work items', () => {
  it('flows through pick, messages with unread counts, read, end and close', async () => {
    const chat = await startChat(h.app);
    const picked = await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice);
    expect(picked.status).toBe(200);
    expect(picked.body.conversation).toMatchObject({ state: 'Active', agentId: 'alice', capacityHeld: true });
    expect(await state(chat.id, chat.customerToken)).toBe('Active');
    expect((await h.store.listReservations('alice')).map((r) => r.conversationId)).toContain(chat.id);

    for (const text of ['Hello?', 'My order is late']) {
      const sent = await call(h.app, 'post', `/api/conversations/${chat.id}/messages`, chat.customerToken, { text });
      expect(sent.status).toBe(201);
      expect(sent.body.message).toMatchObject({ conversationId: chat.id, sender: 'customer', text });
    }
    let items = await call(h.app, 'get', '/api/agents/alice/work-items', alice);
    expect(items.body.workItems.find((w: { conversationId: string }) => w.conversationId === chat.id)).toMatchObject({
      state: 'Active',
      unreadCount: 2,
    });

    const reply = await call(h.app, 'post', `/api/conversations/${chat.id}/messages`, alice, { text: 'Let me check.' });
    expect(reply.status).toBe(201);
    expect(reply.body.conversation.unreadCount).toBe(2);
    const listed = await call(h.app, 'get', `/api/conversations/${chat.id}/messages`, chat.customerToken);
    expect(listed.body.messages.map((m: { sender: string; text: string }) => [m.sender, m.text])).toEqual([
      ['customer', 'Hello?'],
      ['customer', 'My order is late'],
      ['agent', 'Let me check.'],
    ]);

    const read = await call(h.app, 'post', `/api/conversations/${chat.id}/read`, alice);
    expect(read.body.conversation.unreadCount).toBe(0);
    items = await call(h.app, 'get', '/api/agents/alice/work-items', alice);
    expect(items.body.workItems.find((w: { conversationId: string }) => w.conversationId === chat.id).unreadCount).toBe(0);

    const ended = await call(h.app, 'post', `/api/conversations/${chat.id}/end`, alice);
    expect(ended.body.conversation.state).toBe('WrapUp');
    expect((await h.store.getConversation(chat.id))?.state).toBe('WrapUp');
    const closed = await call(h.app, 'post', `/api/conversations/${chat.id}/close-tab`, alice);
    expect(closed.body.conversation.state).toBe('Closed');
    items = await call(h.app, 'get', '/api/agents/alice/work-items', alice);
    expect(items.body.workItems.map((w: { conversationId: string }) => w.conversationId)).not.toContain(chat.id);
    const closedItems = await call(h.app, 'get', '/api/agents/alice/closed-work-items', alice);
    expect(closedItems.body.closedWorkItems[0]).toMatchObject({ conversationId: chat.id, state: 'Closed', agentId: 'alice' });
    expect((await h.store.listReservations('alice')).map((r) => r.conversationId)).not.toContain(chat.id);
  });

  it('goes Waiting on close-tab, back to Active on reopen, and to another queue on transfer', async () => {
    const chat = await startChat(h.app);
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice).expect(200);
    const waiting = await call(h.app, 'post', `/api/conversations/${chat.id}/close-tab`, alice);
    expect(waiting.body.conversation).toMatchObject({ state: 'Waiting', capacityHeld: false });
    expect((await call(h.app, 'get', '/api/agents/alice/work-items', alice)).body.workItems).toEqual(
      expect.arrayContaining([expect.objectContaining({ conversationId: chat.id, state: 'Waiting' })]),
    );
    const reopened = await call(h.app, 'post', `/api/conversations/${chat.id}/reopen`, alice);
    expect(reopened.body.conversation).toMatchObject({ state: 'Active', capacityHeld: true });
    const moved = await call(h.app, 'post', `/api/conversations/${chat.id}/transfer`, alice, { toQueueId: 'billing' });
    expect(moved.body.conversation).toMatchObject({ state: 'Open', queueId: 'billing', agentId: null });
    const billing = await call(h.app, 'get', '/api/queues/billing/open-work-items', carol);
    expect(billing.body.openWorkItems.map((e: { conversationId: string }) => e.conversationId)).toContain(chat.id);
    const carolPick = await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, carol);
    expect(carolPick.body.conversation).toMatchObject({ state: 'Active', agentId: 'carol' });
    const direct = await call(h.app, 'post', `/api/conversations/${chat.id}/transfer`, carol, { toAgentId: 'alice' });
    expect(direct.body.conversation).toMatchObject({ state: 'Active', agentId: 'alice' });
    expect((await h.store.listReservations('alice')).map((r) => r.conversationId)).toContain(chat.id);
  });

  it('lets the customer end, revive and disconnect', async () => {
    const ended = await startChat(h.app);
    await call(h.app, 'post', `/api/conversations/${ended.id}/pick`, bob).expect(200);
    const byCustomer = await call(h.app, 'post', `/api/conversations/${ended.id}/end`, ended.customerToken);
    expect(byCustomer.body.conversation.state).toBe('WrapUp');
    await call(h.app, 'post', `/api/conversations/${ended.id}/close-tab`, bob).expect(200);

    const revived = await startChat(h.app);
    await call(h.app, 'post', `/api/conversations/${revived.id}/pick`, bob).expect(200);
    await call(h.app, 'post', `/api/conversations/${revived.id}/close-tab`, bob).expect(200);
    const back = await call(h.app, 'post', `/api/conversations/${revived.id}/revive`, revived.customerToken);
    expect(back.body.conversation).toMatchObject({ state: 'Open', agentId: null });
    expect((await h.store.getConversation(revived.id))?.state).toBe('Open');

    const gone = await call(h.app, 'post', `/api/conversations/${revived.id}/disconnect`, revived.customerToken);
    expect(gone.body.conversation.state).toBe('Closed');
    expect((await h.store.getConversation(revived.id))?.state).toBe('Closed');
  });

  it('pushes a queued chat to an agent who becomes Available', async () => {
    const chat = await startChat(h.app, { queueId: 'billing' });
    const res = await call(h.app, 'put', '/api/agents/carol/presence', carol, { presence: 'Available' });
    expect(res.body.agent.presence).toBe('Available');
    expect((await h.store.getAgent('carol'))?.presence).toBe('Available');
    const deadline = Date.now() + 10_000;
    while ((await h.store.getConversation(chat.id))?.state !== 'Active' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await h.store.getConversation(chat.id)).toMatchObject({ state: 'Active', agentId: 'carol' });
    await call(h.app, 'put', '/api/agents/carol/presence', carol, { presence: 'Offline' }).expect(200);
  });
});

describe('idempotent retries', () => {
  it('starts one conversation per Idempotency-Key and replays the first answer', async () => {
    const first = await startChat(h.app, { customer: { name: 'Eve' } }, 'start-key-1');
    const again = await startChat(h.app, { customer: { name: 'Eve' } }, 'start-key-1');
    expect(again.response.body).toEqual(first.response.body);
    expect(again.response.headers['idempotent-replayed']).toBe('true');
    const entries = await h.store.listQueueEntries('default');
    expect(entries.filter((e) => e.conversationId === first.id)).toHaveLength(1);
    const other = await call(h.app, 'post', '/api/conversations', null, { customer: { name: 'Mallory' } }).set(
      'Idempotency-Key',
      'start-key-1',
    );
    expectError(other, 409, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('finds the started workflow when the first attempt crashed before recording its answer', async () => {
    const first = await startChat(h.app, {}, 'start-key-2');
    // Forget the recorded answer, as if the process died right after starting the workflow.
    const forgetful = Object.assign(Object.create(h.store) as Store, { getIdempotencyRecord: () => Promise.resolve(null) });
    const other = createApp({ ...h.deps, store: forgetful });
    const retry = await call(other, 'post', '/api/conversations', null, { customer: { name: 'Dana' } }).set(
      'Idempotency-Key',
      'start-key-2',
    );
    expect(retry.status).toBe(201);
    expect(retry.body.conversation.conversationId).toBe(first.id);
  });

  it('stores and counts a retried message once', async () => {
    const chat = await startChat(h.app);
    const send = () =>
      call(h.app, 'post', `/api/conversations/${chat.id}/messages`, chat.customerToken, { text: 'once' }).set('Idempotency-Key', 'msg-1');
    const first = await send();
    const second = await send();
    expect(first.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(await h.store.listMessages(chat.id)).toHaveLength(1);
    expect((await h.store.getConversation(chat.id))?.unreadCount).toBe(1);
  });
});

describe('a restart of the API process', () => {
  it('loses nothing: a new app over the same store and Temporal serves every token, message and key', async () => {
    const chat = await startChat(h.app, {}, 'restart-key');
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice).expect(200);
    await call(h.app, 'post', `/api/conversations/${chat.id}/messages`, chat.customerToken, { text: 'still there?' }).expect(201);
    const before = await worldState(h.store, [chat.id]);

    const restarted = createApp(h.deps);
    expect(await worldState(h.store, [chat.id])).toEqual(before);
    const got = await call(restarted, 'get', `/api/conversations/${chat.id}`, chat.customerToken);
    expect(got.body.conversation).toMatchObject({ state: 'Active', agentId: 'alice', unreadCount: 1 });
    const msgs = await call(restarted, 'get', `/api/conversations/${chat.id}/messages`, alice);
    expect(msgs.body.messages.map((m: { text: string }) => m.text)).toEqual(['still there?']);
    const replay = await call(restarted, 'post', '/api/conversations', null, { customer: { name: 'Dana' } }).set(
      'Idempotency-Key',
      'restart-key',
    );
    expect(replay.body.conversation.conversationId).toBe(chat.id);
    expect(replay.body.customerToken).toBe(chat.customerToken);
    const ended = await call(restarted, 'post', `/api/conversations/${chat.id}/end`, alice);
    expect(ended.body.conversation.state).toBe('WrapUp');
  });
});
