import { createTestWorker } from '../helpers/test-worker';
import type { ApiHarness } from './helpers';
import { ADMIN_TOKEN, call, expectError, startApi, startChat, stopApi } from './helpers';

/**
 * GET /api/conversations/:id answers from the store: written with every
 * transition, the same document the workflow's query answers, so a read costs
 * no workflow task and needs no worker at all.
 */
describe('reads from the store', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApi({ devServer: true, limits: { temporalTimeoutMs: 1_500, queryTimeoutMs: 1_000 } });
  });
  afterAll(() => stopApi(h));

  it('refuses an unknown source with 400 and a machine-readable code', async () => {
    const chat = await startChat(h.app);
    const error = expectError(await call(h.app, 'get', `/api/conversations/${chat.id}?source=cache`, ADMIN_TOKEN), 400, 'INVALID_INPUT');
    expect(error.message).toMatch(/source/);
  });

  it('answers every conversation in full, as its workflow does, and still does with every worker stopped', async () => {
    const alice = h.agentTokens.alice as string;
    const bob = h.agentTokens.bob as string;
    const post = (id: string, op: string, token: string, body: object = {}) =>
      call(h.app, 'post', `/api/conversations/${id}/${op}`, token, body).expect((res) => {
        if (res.status >= 300) throw new Error(`${op}: ${res.status} ${JSON.stringify(res.body)}`);
      });

    const queued = await startChat(h.app, { customer: { name: 'Quinn' } });
    const talking = await startChat(h.app);
    await post(talking.id, 'pick', alice);
    await post(talking.id, 'messages', talking.customerToken, { text: 'hello' });
    await post(talking.id, 'messages', alice, { text: 'hi, how can I help?' });
    await post(talking.id, 'messages', talking.customerToken, { text: 'my order' });
    const wrapped = await startChat(h.app);
    await post(wrapped.id, 'pick', alice);
    await post(wrapped.id, 'end', alice);
    const closed = await startChat(h.app);
    await post(closed.id, 'pick', alice);
    await post(closed.id, 'end', alice);
    await post(closed.id, 'close-tab', alice);
    const transferred = await startChat(h.app);
    await post(transferred.id, 'pick', bob);
    await post(transferred.id, 'transfer', bob, { toQueueId: 'billing' });
    const ids = [queued, talking, wrapped, closed, transferred].map((c) => c.id);

    const fromWorkflow = new Map<string, unknown>();
    for (const id of ids) {
      const workflow = await call(h.app, 'get', `/api/conversations/${id}?source=workflow`, ADMIN_TOKEN).expect(200);
      const store = await call(h.app, 'get', `/api/conversations/${id}`, ADMIN_TOKEN).expect(200);
      expect(workflow.body.source).toBe('workflow');
      expect(store.body.source).toBe('store');
      expect(store.body.conversation).toEqual(workflow.body.conversation);
      fromWorkflow.set(id, workflow.body.conversation);
    }
    // What the scenarios did, as a person would check it.
    const states = ids.map((id) => (fromWorkflow.get(id) as { state: string }).state);
    expect(states).toEqual(['Open', 'Active', 'WrapUp', 'Closed', 'Open']);
    expect(fromWorkflow.get(talking.id)).toMatchObject({ messageCount: 3, agentId: 'alice' });

    // No worker: a workflow query could only wait out its deadline; the store answers in full at once.
    h.worker.shutdown();
    await h.running;
    for (const id of ids) {
      const res = await call(h.app, 'get', `/api/conversations/${id}`, ADMIN_TOKEN).expect(200);
      expect(res.body).toMatchObject({ source: 'store', stuck: null });
      expect(res.body.conversation).toEqual(fromWorkflow.get(id));
    }
    // Asked for the workflow, it says it could not answer: the row, marked as such.
    const asked = await call(h.app, 'get', `/api/conversations/${talking.id}?source=workflow`, ADMIN_TOKEN).expect(200);
    expect(asked.body.source).toBe('readModel');
    // A worker again, for the teardown's replay of every history.
    const restarted = await createTestWorker({ env: h.env, store: h.store, taskQueue: h.taskQueue });
    h.worker = restarted.worker;
    h.running = restarted.worker.run();
  });
});
