import request from 'supertest';
import type { Response } from 'supertest';
import type { ApiHarness } from './helpers';
import { ADMIN_TOKEN, call, expectError, startApi, startChat, stopApi, worldState } from './helpers';

let h: ApiHarness;
let alice: string;

beforeAll(async () => {
  h = await startApi();
  alice = h.agentTokens.alice as string;
});
afterAll(() => stopApi(h));

type Problem = { field: string; message: string };

/** A raw JSON text body (supertest would re-serialise an object, losing `__proto__` keys). */
function raw(method: 'post' | 'patch' | 'put', path: string, text: string, token: string | null = ADMIN_TOKEN, type = 'application/json') {
  let req = request(h.app)[method](path).set('Content-Type', type);
  if (token) req = req.set('Authorization', `Bearer ${token}`);
  return req.send(text);
}

/** Expects a 400 that changed nothing; returns its problems. */
async function invalid(
  act: () => PromiseLike<Response>,
  conversationIds: string[] = [],
): Promise<{ message: string; problems: Problem[] }> {
  const before = await worldState(h.store, conversationIds);
  const error = expectError(await act(), 400, 'INVALID_INPUT');
  expect(await worldState(h.store, conversationIds)).toEqual(before);
  return { message: error.message, problems: (error.details?.problems ?? []) as Problem[] };
}

/** Every conversation id in any queue: a start that got through shows up here. */
async function queued(): Promise<string[]> {
  const queues = await h.store.listQueues();
  return (await Promise.all(queues.map((q) => h.store.listQueueEntries(q.id)))).flat().map((e) => e.conversationId);
}

describe('keys that are not plain fields', () => {
  it('refuses a __proto__ key instead of reading the values hidden behind it (agent capacity)', async () => {
    const { problems } = await invalid(() => raw('post', '/api/agents', '{"id":"zed","__proto__":{"capacity":2000000000}}'));
    expect(problems).toEqual([{ field: 'body.__proto__', message: 'is not allowed here' }]);
    expect(await h.store.getAgent('zed')).toBeNull();
  });

  it('refuses a __proto__ key on queue create and patch (a negative priority)', async () => {
    await invalid(() => raw('post', '/api/queues', '{"id":"neg","__proto__":{"priority":-5}}'));
    expect(await h.store.getQueue('neg')).toBeNull();
    await invalid(() => raw('patch', '/api/queues/billing', '{"__proto__":{"priority":-5}}'));
    await invalid(() => raw('patch', '/api/agents/bob', '{"__proto__":{"capacity":2000000000}}'));
    expect((await h.store.getAgent('bob'))?.capacity).toBe(15);
  });

  it('answers 400 to a public start whose bad values hide behind __proto__, starting nothing', async () => {
    const before = await queued();
    for (const hidden of ['{"priority":-1}', '{"channel":"fax"}', '{"customer":{"id":"no spaces"}}']) {
      await invalid(() => raw('post', '/api/conversations', `{"__proto__":${hidden}}`, null));
      await invalid(() => raw('post', '/api/conversations', `{"customer":{"__proto__":{"id":"no spaces"}}}`, null));
    }
    expect(await queued()).toEqual(before);
  });

  it('answers 400 to a start that requires one skill twice, naming it, and starts nothing (found by fuzzing: it was a 503 and a failed workflow)', async () => {
    const before = await queued();
    const twice = [
      { skill: 'french', minProficiency: 5 },
      { skill: 'refunds', minProficiency: 3 },
      { skill: 'french', minProficiency: 8 },
    ];
    const res = await call(h.app, 'post', '/api/conversations', null, { requirements: twice });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_INPUT', message: 'body.requirements[2].skill: french is required twice' });
    expect(await queued()).toEqual(before);
  });

  it('refuses a constructor key like any other unknown key', async () => {
    const start = await invalid(() => raw('post', '/api/conversations', '{"constructor":{"name":"x"}}', null));
    expect(start.problems).toEqual([{ field: 'body.constructor', message: 'is not allowed here' }]);
    await invalid(() => raw('post', '/api/agents', '{"id":"yan","constructor":1}'));
    await invalid(() => raw('post', '/api/conversations', '{"customer":{"constructor":"x"}}', null));
    expect(await h.store.getAgent('yan')).toBeNull();
  });
});

describe('numbers have upper bounds', () => {
  it('names the field and the bound', async () => {
    const { message } = await invalid(() => call(h.app, 'post', '/api/conversations', null, { priority: 1_000_001 }));
    expect(message).toBe('body.priority: must be at most 1000000');
    const capacity = await invalid(() => call(h.app, 'post', '/api/agents', ADMIN_TOKEN, { id: 'big', capacity: 2_000_000_000 }));
    expect(capacity.message).toBe('body.capacity: must be at most 1000000');
    await invalid(() => call(h.app, 'patch', '/api/queues/billing', ADMIN_TOKEN, { unitsPerConversation: 1_000_001 }));
    await invalid(() => call(h.app, 'patch', '/api/queues/billing', ADMIN_TOKEN, { priority: 1_000_001 }));
  });

  it('refuses an overflow limit that no timer can hold (1e300) or beyond 30 days', async () => {
    const huge = await invalid(() =>
      call(h.app, 'post', '/api/queues', ADMIN_TOKEN, { id: 'slow', overflow: { afterMs: 1e300, toQueueId: 'default' } }),
    );
    expect(huge.message).toMatch(/^body\.overflow\.afterMs: must be at most 2592000000$/);
    await invalid(() =>
      call(h.app, 'patch', '/api/queues/billing', ADMIN_TOKEN, { overflow: { afterMs: 30 * 86_400_000 + 1, toQueueId: 'default' } }),
    );
    expect(await h.store.getQueue('slow')).toBeNull();
    expect((await h.store.getQueue('billing'))?.overflow).toBeNull();
  });

  it('lists every problem of a body, each naming its field', async () => {
    const { problems } = await invalid(() =>
      call(h.app, 'post', '/api/agents', ADMIN_TOKEN, { id: 'bad id', capacity: -1, presence: 'Asleep', extra: true }),
    );
    expect(problems.map((p) => p.field).sort()).toEqual(['body.capacity', 'body.extra', 'body.id', 'body.presence']);
    expect(problems.find((p) => p.field === 'body.capacity')?.message).toBe('must be at least 0');
    expect(problems.find((p) => p.field === 'body.presence')?.message).toBe(
      'must be one of "Available", "Busy", "BusyDND", "Away", "Offline"',
    );
  });
});

describe('deeply nested bodies', () => {
  it('answers 400, not 500, to an array nested 10,000 deep', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    await invalid(() => raw('post', '/api/agents', `{"id":"deep","queues":${deep}}`));
    await invalid(() => raw('post', '/api/queues', `{"id":"deep","eligiblePresences":${deep}}`));
    await invalid(() => raw('post', '/api/conversations', `{"customer":${deep}}`, null));
    expect(await h.store.getAgent('deep')).toBeNull();
  });
});

describe('bodies that are not JSON', () => {
  const body = '{"customer":{"name":"Dana"}}';
  it.each([
    ['text/plain', 'text/plain'],
    ['form-encoded', 'application/x-www-form-urlencoded'],
  ])('refuses a start sent as %s with 415, starting nothing (the cross-site simple request)', async (_what, type) => {
    const before = { world: await worldState(h.store), queued: await queued() };
    const res = await raw('post', '/api/conversations', body, null, type);
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect({ world: await worldState(h.store), queued: await queued() }).toEqual(before);
  });

  it('refuses a body without a Content-Type with 415', async () => {
    const before = await queued();
    const res = await request(h.app).post('/api/conversations').set('Content-Type', '').send(Buffer.from(body));
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await queued()).toEqual(before);
  });

  it('refuses text bodies on admin writes and messages too', async () => {
    const chat = await startChat(h.app);
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice).expect(200);
    const before = await worldState(h.store, [chat.id]);
    expectError(await raw('post', '/api/agents', '{"id":"txt"}', ADMIN_TOKEN, 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(
      await raw('post', `/api/conversations/${chat.id}/messages`, '{"text":"hi"}', alice, 'text/plain'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(await raw('post', `/api/conversations/${chat.id}/end`, '{}', alice, 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await worldState(h.store, [chat.id])).toEqual(before);
    // No body at all on an operation without arguments is fine.
    await request(h.app).post(`/api/conversations/${chat.id}/end`).set('Authorization', `Bearer ${alice}`).expect(200);
  });
});

describe('text PostgreSQL cannot store', () => {
  it('refuses NUL in messages, names and ids with 400 naming the field', async () => {
    const chat = await startChat(h.app);
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice).expect(200);
    const ids = [chat.id];
    const text = await invalid(() => call(h.app, 'post', `/api/conversations/${chat.id}/messages`, alice, { text: 'a\u0000b' }), ids);
    expect(text.message).toContain('body.text');
    await invalid(() => call(h.app, 'post', `/api/conversations/${chat.id}/messages`, chat.customerToken, { text: 'bell\u0007' }), ids);
    await invalid(() => call(h.app, 'post', '/api/agents', ADMIN_TOKEN, { id: 'nul', name: 'N\u0000' }));
    await invalid(() => call(h.app, 'patch', '/api/queues/billing', ADMIN_TOKEN, { name: 'Bil\u0000ling' }));
    await invalid(() => call(h.app, 'post', '/api/conversations', null, { customer: { name: 'Da\u0000na' } }));
    await invalid(() => call(h.app, 'post', '/api/conversations', null, { customer: { id: 'c\u0000' } }));
    expect(await h.store.getAgent('nul')).toBeNull();
  });

  it('stores a lone surrogate as U+FFFD, as both backends then answer alike', async () => {
    const chat = await startChat(h.app, { customer: { name: 'D\ud800na' } });
    const sent = await call(h.app, 'post', `/api/conversations/${chat.id}/messages`, chat.customerToken, { text: 'a\udc00b' });
    expect(sent.status).toBe(201);
    expect(sent.body.message.text).toBe('a\ufffdb');
    expect((await h.store.listMessages(chat.id)).map((m) => m.text)).toEqual(['a\ufffdb']);
  });

  it('keeps tabs and line breaks in message text', async () => {
    const chat = await startChat(h.app);
    const sent = await call(h.app, 'post', `/api/conversations/${chat.id}/messages`, chat.customerToken, { text: 'line 1\n\tline 2\r\n' });
    expect(sent.status).toBe(201);
    expect(sent.body.message.text).toBe('line 1\n\tline 2\r\n');
  });
});

describe('paths that cannot be decoded', () => {
  it('answers 400 naming the path, not the body', async () => {
    const error = await invalid(() => call(h.app, 'get', '/api/conversations/%E0%A4%A', ADMIN_TOKEN));
    expect(error.message).toMatch(/path/);
    expect(error.message).not.toMatch(/body/);
  });
});
