import { CONVERSATION_ACCESS } from '../../src/api/access';
import type { ApiHarness, Method } from './helpers';
import { ADMIN_TOKEN, call, startApi, startChat, stopApi, worldState } from './helpers';

// Who calls: the admin; alice (has the conversation, member of its queue); bob
// (member of its queue, not his); carol (neither); its customer; another
// chat's customer; and nobody. Every operation targets a Closed conversation,
// so a caller who gets through is refused by the lifecycle (409) and nothing
// changes: the matrix checks authorization without side effects.
const WHO = ['admin', 'alice', 'bob', 'carol', 'customer', 'otherCustomer', 'none'] as const;
type Who = (typeof WHO)[number];
type Row = [method: Method, path: string, body: unknown, expected: Record<Who, number>];

const row = (admin: number, alice: number, bob: number, carol: number, customer: number, otherCustomer: number): Record<Who, number> => ({
  admin,
  alice,
  bob,
  carol,
  customer,
  otherCustomer,
  none: 401,
});

const C = ':conversation';
const MATRIX: Row[] = [
  ['get', `/api/conversations/${C}`, undefined, row(200, 200, 200, 403, 200, 403)],
  // Transcripts: its customer, its (last) agent and the admin; bob may see the snapshot to pick, not the messages.
  ['get', `/api/conversations/${C}/messages`, undefined, row(200, 200, 403, 403, 200, 403)],
  ['post', `/api/conversations/${C}/messages`, { text: 'hi' }, row(403, 409, 403, 403, 409, 403)],
  ['post', `/api/conversations/${C}/pick`, {}, row(403, 409, 409, 403, 403, 403)],
  ['post', `/api/conversations/${C}/end`, {}, row(403, 409, 403, 403, 409, 403)],
  ['post', `/api/conversations/${C}/close-tab`, {}, row(403, 409, 403, 403, 403, 403)],
  ['post', `/api/conversations/${C}/reopen`, {}, row(403, 409, 403, 403, 403, 403)],
  ['post', `/api/conversations/${C}/transfer`, { toQueueId: 'billing' }, row(409, 409, 403, 403, 403, 403)],
  ['post', `/api/conversations/${C}/revive`, {}, row(403, 403, 403, 403, 409, 403)],
  ['post', `/api/conversations/${C}/disconnect`, {}, row(403, 403, 403, 403, 409, 403)],
  ['post', `/api/conversations/${C}/read`, {}, row(403, 409, 403, 403, 403, 403)],
  ['post', `/api/conversations/${C}/assign`, { agentId: 'bob' }, row(409, 403, 403, 403, 403, 403)],
  ['post', `/api/conversations/${C}/force-close`, {}, row(409, 403, 403, 403, 403, 403)],
  // No offer stands (it is Closed): members of its queue reach the workflow's refusal, others are turned away.
  ['post', `/api/conversations/${C}/accept`, {}, row(403, 409, 409, 403, 403, 403)],
  ['post', `/api/conversations/${C}/decline`, {}, row(403, 409, 409, 403, 403, 403)],
  // Admin-only writes get an invalid body: 400 proves the admin got through, and nothing is written.
  ['post', '/api/agents', {}, row(400, 403, 403, 403, 403, 403)],
  ['patch', '/api/agents/bob', { capacity: -1 }, row(400, 403, 403, 403, 403, 403)],
  ['get', '/api/agents', undefined, row(200, 403, 403, 403, 403, 403)],
  ['put', '/api/agents/alice/presence', { presence: 'Offline' }, row(200, 200, 403, 403, 403, 403)],
  ['post', '/api/agents/alice/tokens', {}, row(201, 201, 403, 403, 403, 403)],
  // An unknown query parameter: 400 proves the caller got through, and no token is revoked.
  ['delete', '/api/agents/alice/tokens?unexpected=1', undefined, row(400, 400, 403, 403, 403, 403)],
  ['get', '/api/agents/alice/work-items', undefined, row(200, 200, 403, 403, 403, 403)],
  ['get', '/api/agents/alice/closed-work-items', undefined, row(200, 200, 403, 403, 403, 403)],
  ['post', '/api/queues', {}, row(400, 403, 403, 403, 403, 403)],
  ['patch', '/api/queues/billing', { priority: -1 }, row(400, 403, 403, 403, 403, 403)],
  ['get', '/api/queues', undefined, row(200, 200, 200, 200, 403, 403)],
  ['get', '/api/queues/default/open-work-items', undefined, row(200, 200, 200, 403, 403, 403)],
];

let h: ApiHarness;
let conversationId: string;
let snapshotBefore: unknown;
const tokens: Partial<Record<Who, string>> = {};

beforeAll(async () => {
  h = await startApi();
  const chat = await startChat(h.app);
  conversationId = chat.id;
  const other = await startChat(h.app);
  Object.assign(tokens, { admin: ADMIN_TOKEN, ...h.agentTokens, customer: chat.customerToken, otherCustomer: other.customerToken });
  const alice = h.agentTokens.alice as string;
  await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice).expect(200);
  await call(h.app, 'post', `/api/conversations/${chat.id}/messages`, chat.customerToken, { text: 'before closing' }).expect(201);
  await call(h.app, 'post', `/api/conversations/${chat.id}/end`, alice).expect(200);
  await call(h.app, 'post', `/api/conversations/${chat.id}/close-tab`, alice).expect(200);
  snapshotBefore = (await call(h.app, 'get', `/api/conversations/${chat.id}`, ADMIN_TOKEN)).body;
});
afterAll(() => stopApi(h));

describe('authorization matrix', () => {
  it('covers every conversation action of the access table', () => {
    const paths = MATRIX.map(([, path]) => path);
    const routes: Record<string, string> = {
      closeTab: 'close-tab',
      markRead: 'read',
      forceClose: 'force-close',
      view: '',
      message: 'messages',
      readMessages: 'messages',
    };
    for (const action of Object.keys(CONVERSATION_ACCESS)) {
      const suffix = routes[action] ?? action;
      expect(paths).toContain(suffix ? `/api/conversations/${C}/${suffix}` : `/api/conversations/${C}`);
    }
  });

  describe.each(MATRIX)('%s %s', (method, path, body, expected) => {
    it.each(WHO)('answers %s as the table says, changing nothing', async (who) => {
      const url = path.replace(C, conversationId);
      const before = await worldState(h.store, [conversationId]);
      const res = await call(h.app, method, url, tokens[who] ?? null, body);
      expect({ who, status: res.status, code: res.body?.error?.code }).toMatchObject({ who, status: expected[who] });
      expect(await worldState(h.store, [conversationId])).toEqual(before);
    });
  });

  it('left the conversation’s workflow snapshot as it was', async () => {
    expect((await call(h.app, 'get', `/api/conversations/${conversationId}`, ADMIN_TOKEN)).body).toEqual(snapshotBefore);
  });

  it('leaves public routes open to anyone', async () => {
    await call(h.app, 'get', '/healthz').expect(200);
    await call(h.app, 'get', '/readyz').expect(200);
    await call(h.app, 'get', '/api/openapi.json').expect(200);
  });
});

describe('transcripts', () => {
  it('stay readable by the agent who last had the conversation, not by other agents of the queue', async () => {
    const chat = await startChat(h.app);
    const alice = h.agentTokens.alice as string;
    const carol = h.agentTokens.carol as string;
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice).expect(200);
    await call(h.app, 'post', `/api/conversations/${chat.id}/messages`, chat.customerToken, { text: 'hello' }).expect(201);
    await call(h.app, 'post', `/api/conversations/${chat.id}/transfer`, alice, { toQueueId: 'billing' }).expect(200);
    // Back in a queue: alice is its last agent; carol, of the billing queue, may see it to pick but not read it.
    await call(h.app, 'get', `/api/conversations/${chat.id}/messages`, alice).expect(200);
    await call(h.app, 'get', `/api/conversations/${chat.id}`, carol).expect(200);
    await call(h.app, 'get', `/api/conversations/${chat.id}/messages`, carol).expect(403);
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, carol).expect(200);
    await call(h.app, 'get', `/api/conversations/${chat.id}/messages`, carol).expect(200);
    await call(h.app, 'get', `/api/conversations/${chat.id}/messages`, ADMIN_TOKEN).expect(200);
  });
});
