import type { ApiHarness } from './helpers';
import { ADMIN_TOKEN, call, expectError, startApi, startChat, stopApi } from './helpers';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApi();
});
afterAll(() => stopApi(h));

const frenchBilling = {
  id: 'fr-billing',
  when: { language: 'fr', answers: { topic: ['invoice', 'refund'] } },
  then: { queueId: 'billing', priority: 5, requirements: [{ skill: 'french', minProficiency: 7, relaxAfterMs: 60_000 }] },
};

describe('intake rules and skills over HTTP', () => {
  it('routes a start by the first matching rule, records which, and falls back to the named or default queue', async () => {
    const put = await call(h.app, 'put', '/api/intake-rules', ADMIN_TOKEN, {
      rules: [frenchBilling, { id: 'vip', when: { customer: { tier: 'gold' } }, then: { queueId: 'billing', priority: 1 } }],
    }).expect(200);
    expect(put.body.version).toBe(1);

    const fr = await startChat(h.app, { language: 'fr', answers: { topic: 'refund' } });
    const snapshot = (await call(h.app, 'get', `/api/conversations/${fr.id}`, ADMIN_TOKEN).expect(200)).body.conversation;
    expect(snapshot).toMatchObject({
      queueId: 'billing',
      priority: 5,
      requirements: [{ skill: 'french', minProficiency: 7, relaxAfterMs: 60_000 }],
      routing: { routedBy: { rule: 'fr-billing', reason: 'intake rule fr-billing matched' } },
    });
    // Waiting: nobody in billing speaks French (and all are Offline): the read model says why.
    expect((await h.store.getConversation(fr.id))?.waitingReason).toMatch(/no agent of queue billing is/);

    const gold = await startChat(h.app, { customer: { name: 'Lou', attributes: { tier: 'gold' } } });
    expect((await h.store.getConversation(gold.id))?.queueId).toBe('billing');
    const plain = await startChat(h.app, { language: 'de' });
    expect((await call(h.app, 'get', `/api/conversations/${plain.id}`, ADMIN_TOKEN)).body.conversation.routing.routedBy).toEqual({
      rule: null,
      reason: 'no intake rule matched: the default queue',
    });
  });

  it('refuses a bad rule set naming the field, changing nothing', async () => {
    const before = (await call(h.app, 'get', '/api/intake-rules', ADMIN_TOKEN)).body;
    const cases: [unknown, number, string, string][] = [
      [[{ id: 'x', then: { queueId: 'nowhere' } }], 404, 'UNKNOWN_QUEUE', 'body.rules[0].then.queueId'],
      [[frenchBilling, frenchBilling], 400, 'INVALID_INPUT', 'body.rules[1].id'],
      [[{ id: 'x', when: { channel: ['pigeon'] }, then: { queueId: 'default' } }], 400, 'INVALID_INPUT', 'body.rules'],
      [
        [{ id: 'x', then: { queueId: 'default', requirements: [{ skill: 'french', minProficiency: 11 }] } }],
        400,
        'INVALID_INPUT',
        'body.rules',
      ],
    ];
    for (const [rules, status, code, field] of cases) {
      const error = expectError(await call(h.app, 'put', '/api/intake-rules', ADMIN_TOKEN, { rules }), status, code);
      expect(error.message).toContain(field);
    }
    expect((await call(h.app, 'get', '/api/intake-rules', ADMIN_TOKEN)).body).toEqual(before);
    expectError(await call(h.app, 'put', '/api/intake-rules', h.agentTokens.alice as string, { rules: [] }), 403, 'FORBIDDEN');
  });

  it('pushes a chat needing a skill only to an agent who has it, and shows agents’ skills', async () => {
    await call(h.app, 'post', '/api/queues', ADMIN_TOKEN, { id: 'lingua' }).expect(201);
    const plain = await call(h.app, 'post', '/api/agents', ADMIN_TOKEN, {
      id: 'pat',
      capacity: 50,
      presence: 'Available',
      queues: ['lingua'],
    }).expect(201);
    expect(plain.body.agent.skills).toEqual({});
    const chat = await startChat(h.app, { queueId: 'lingua', requirements: [{ skill: 'italian', minProficiency: 6 }] });
    expect(chat.response.body.conversation).toMatchObject({ state: 'Open' });
    expect((await h.store.getConversation(chat.id))?.waitingReason).toBe('no Available or Busy agent of queue lingua has italian >= 6');
    const fluent = await call(h.app, 'post', '/api/agents', ADMIN_TOKEN, {
      id: 'gio',
      capacity: 10,
      presence: 'Available',
      queues: ['lingua'],
      skills: { italian: 9 },
    }).expect(201);
    expect(fluent.body.agent.skills).toEqual({ italian: 9 });
    // The new agent's room is filled from the API's call; the conversation is told by signal.
    const deadline = Date.now() + 10_000;
    while ((await h.store.getConversation(chat.id))?.state !== 'Active' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await h.store.getConversation(chat.id)).toMatchObject({ state: 'Active', agentId: 'gio' });
    expectError(await call(h.app, 'patch', '/api/agents/pat', ADMIN_TOKEN, { skills: { italian: 11 } }), 400, 'INVALID_INPUT');
  });
});
