import { API_ROUTES } from '../../src/api/app';
import { sha256 } from '../../src/auth/tokens';
import type { ApiHarness } from './helpers';
import { ADMIN_TOKEN, call, expectError, startApi, startChat, stopApi } from './helpers';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApi();
});
afterAll(() => stopApi(h));

describe('agents', () => {
  it('creates an agent and answers its token once, storing only its hash', async () => {
    const res = await call(h.app, 'post', '/api/agents', ADMIN_TOKEN, { id: 'dave', name: 'Dave', capacity: 30, queues: ['default'] });
    expect(res.status).toBe(201);
    expect(res.body.agent).toMatchObject({ id: 'dave', name: 'Dave', capacity: 30, queues: ['default'], presence: 'Offline' });
    const token = res.body.token as string;
    expect(token).toMatch(/^agt_/);
    expect(await h.store.findAgentByTokenHash(sha256(token))).toBe('dave');
    expect(await h.store.getAgent('dave')).toMatchObject({ capacity: 30 });
    const mine = await call(h.app, 'get', '/api/agents/dave/work-items', token);
    expect(mine.body).toEqual({ workItems: [] });
  });

  it('patches an agent, lists agents with capacity used/total, and sets presence', async () => {
    const patched = await call(h.app, 'patch', '/api/agents/dave', ADMIN_TOKEN, { capacity: 40, queues: ['default', 'billing'] });
    expect(patched.body.agent).toMatchObject({ id: 'dave', capacity: 40, queues: ['default', 'billing'] });
    expect(await h.store.getAgent('dave')).toMatchObject({ capacity: 40, queues: ['default', 'billing'] });
    const chat = await startChat(h.app);
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, h.agentTokens.alice).expect(200);
    const list = await call(h.app, 'get', '/api/agents', ADMIN_TOKEN);
    expect(list.body.agents.find((a: { id: string }) => a.id === 'alice')).toMatchObject({
      capacity: 100,
      usedUnits: 10,
      conversations: 1,
    });
    const presence = await call(h.app, 'put', '/api/agents/dave/presence', ADMIN_TOKEN, { presence: 'Away' });
    expect(presence.body.agent.presence).toBe('Away');
    expect((await h.store.getAgent('dave'))?.presence).toBe('Away');
  });
});

describe('queues', () => {
  it('creates and patches a queue and shows depth and oldest wait', async () => {
    const created = await call(h.app, 'post', '/api/queues', ADMIN_TOKEN, {
      id: 'vip',
      name: 'VIP',
      priority: 1,
      assignmentMethod: 'roundRobin',
      overflow: { afterMs: 60_000, toQueueId: 'default' },
    });
    expect(created.status).toBe(201);
    expect(created.body.queue).toMatchObject({
      id: 'vip',
      name: 'VIP',
      assignmentMethod: 'roundRobin',
      overflow: { afterMs: 60_000, toQueueId: 'default' },
    });
    const patched = await call(h.app, 'patch', '/api/queues/vip', ADMIN_TOKEN, { eligiblePresences: ['Available'], overflow: null });
    expect(patched.body.queue).toMatchObject({ eligiblePresences: ['Available'], overflow: null, priority: 1 });
    await call(h.app, 'patch', '/api/agents/dave', ADMIN_TOKEN, { queues: ['vip'] }).expect(200);
    const chat = await startChat(h.app, { queueId: 'vip' });
    const list = await call(h.app, 'get', '/api/queues', ADMIN_TOKEN);
    const vip = list.body.queues.find((q: { id: string }) => q.id === 'vip');
    expect(vip).toMatchObject({ depth: 1, members: 1 });
    expect(vip.oldestWaitMs).toBeGreaterThanOrEqual(0);
    const open = await call(h.app, 'get', '/api/queues/vip/open-work-items', ADMIN_TOKEN);
    expect(open.body.openWorkItems).toEqual([expect.objectContaining({ conversationId: chat.id, queueId: 'vip' })]);
    expectError(
      await call(h.app, 'post', '/api/queues', ADMIN_TOKEN, { id: 'x', overflow: { afterMs: 1, toQueueId: 'nowhere' } }),
      404,
      'UNKNOWN_QUEUE',
    );
    expect(await h.store.getQueue('x')).toBeNull();
  });
});

describe('business hours', () => {
  const weekdays = [{ from: '08:00', to: '18:00' }];
  const hours = {
    timeZone: 'Europe/Paris',
    weekly: { mon: weekdays, tue: weekdays, wed: weekdays, thu: weekdays, fri: weekdays },
    holidays: ['2026-12-25'],
  };

  it('sets a queue’s hours and out-of-hours queue, and shows whether it is open and when that changes', async () => {
    const created = await call(h.app, 'post', '/api/queues', ADMIN_TOKEN, { id: 'payments', hours, outOfHoursQueueId: 'default' });
    expect(created.status).toBe(201);
    expect(created.body.queue).toMatchObject({ hours, outOfHoursQueueId: 'default', open: expect.any(Boolean) });
    expect(Date.parse(created.body.queue.hoursChangeAt)).toBeGreaterThan(Date.now());
    const listed = (await call(h.app, 'get', '/api/queues', ADMIN_TOKEN)).body.queues.find((q: { id: string }) => q.id === 'payments');
    expect(listed).toMatchObject({ hours, open: created.body.queue.open, hoursChangeAt: created.body.queue.hoursChangeAt });
    const cleared = await call(h.app, 'patch', '/api/queues/payments', ADMIN_TOKEN, { hours: null, outOfHoursQueueId: null });
    expect(cleared.body.queue).toMatchObject({ hours: null, outOfHoursQueueId: null, open: true, hoursChangeAt: null });
  });

  it('refuses bad hours naming the field, and an unknown out-of-hours queue, changing nothing', async () => {
    await call(h.app, 'post', '/api/queues', ADMIN_TOKEN, { id: 'claims' }).expect(201);
    const overlap = { ...hours, weekly: { mon: [...weekdays, { from: '17:00', to: '20:00' }] } };
    const refused = expectError(await call(h.app, 'patch', '/api/queues/claims', ADMIN_TOKEN, { hours: overlap }), 400, 'INVALID_INPUT');
    expect(refused.message).toContain('hours.weekly.mon[1]: overlaps hours.weekly.mon[0]');
    expectError(
      await call(h.app, 'patch', '/api/queues/claims', ADMIN_TOKEN, { hours: { ...hours, timeZone: 'Mars/Base' } }),
      400,
      'INVALID_INPUT',
    );
    expectError(
      await call(h.app, 'patch', '/api/queues/claims', ADMIN_TOKEN, {
        hours: { ...hours, weekly: { mon: [{ from: '8:00', to: '18:00' }] } },
      }),
      400,
      'INVALID_INPUT',
    );
    expectError(await call(h.app, 'patch', '/api/queues/claims', ADMIN_TOKEN, { outOfHoursQueueId: 'nowhere' }), 404, 'UNKNOWN_QUEUE');
    expect(await h.store.getQueue('claims')).toMatchObject({ hours: null, outOfHoursQueueId: null, open: true });
  });
});

describe('supervisor', () => {
  it('assigns an Open conversation, transfers any conversation, and force-closes by the customer-end path', async () => {
    const chat = await startChat(h.app);
    const assigned = await call(h.app, 'post', `/api/conversations/${chat.id}/assign`, ADMIN_TOKEN, { agentId: 'bob' });
    expect(assigned.body.conversation).toMatchObject({ state: 'Active', agentId: 'bob' });
    const snapshot = await call(h.app, 'get', `/api/conversations/${chat.id}`, ADMIN_TOKEN);
    expect(snapshot.body.conversation.transitions.at(-1)).toMatchObject({ to: 'Active', actor: { kind: 'supervisor', id: 'admin' } });
    const moved = await call(h.app, 'post', `/api/conversations/${chat.id}/transfer`, ADMIN_TOKEN, { toAgentId: 'alice' });
    expect(moved.body.conversation).toMatchObject({ state: 'Active', agentId: 'alice' });
    const closing = await call(h.app, 'post', `/api/conversations/${chat.id}/force-close`, ADMIN_TOKEN);
    expect(closing.body.conversation.state).toBe('WrapUp');
    // Wrap-up has no customer-end row, so force-close is refused there, naming the state.
    const refused = expectError(
      await call(h.app, 'post', `/api/conversations/${chat.id}/force-close`, ADMIN_TOKEN),
      409,
      'INVALID_TRANSITION',
    );
    expect(refused.details).toMatchObject({ state: 'WrapUp' });
    expect((await h.store.getConversation(chat.id))?.state).toBe('WrapUp');
    const open = await startChat(h.app);
    const closed = await call(h.app, 'post', `/api/conversations/${open.id}/force-close`, ADMIN_TOKEN);
    expect(closed.body.conversation.state).toBe('Closed');
    expect((await h.store.getConversation(open.id))?.state).toBe('Closed');
  });
});

describe('OpenAPI and readiness', () => {
  it('documents every route from the validating schemas', async () => {
    const res = await call(h.app, 'get', '/api/openapi.json');
    expect(res.body.openapi).toBe('3.1.0');
    for (const { doc } of API_ROUTES) {
      const op = res.body.paths[doc.path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[doc.method];
      expect({ route: `${doc.method} ${doc.path}`, documented: Boolean(op) }).toEqual({
        route: `${doc.method} ${doc.path}`,
        documented: true,
      });
      if (doc.body) expect(op.requestBody.content['application/json'].schema).toEqual(JSON.parse(JSON.stringify(doc.body)));
    }
    const start = res.body.paths['/api/conversations'].post;
    expect(start.parameters).toEqual([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]);
    expect(Object.keys(start.responses)).toEqual(expect.arrayContaining(['201', '400', '404', '429', '503']));
  });

  it('is ready when Temporal and the store answer', async () => {
    const res = await call(h.app, 'get', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', temporal: 'ok', store: 'ok' });
  });
});
