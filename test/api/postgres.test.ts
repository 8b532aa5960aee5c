import { createStore } from '../../src/store';
import { createTestSchema } from '../helpers/postgres-schema';
import type { ApiHarness } from './helpers';
import { ADMIN_TOKEN, call, expectError, startApi, startChat, stopApi, worldState } from './helpers';
import { describeWhen, postgresMissing } from '../helpers/prerequisites';

// The API over the PostgreSQL store answers exactly as over SQLite for text
// PostgreSQL cannot store: a 400 naming the field, never a 500.
const url = process.env.TEST_DATABASE_URL ?? '';

describeWhen(postgresMissing(), 'the API over PostgreSQL', () => {
  let h: ApiHarness;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const test = await createTestSchema(url, 'api_test');
    drop = test.drop;
    h = await startApi({
      openStore: () => createStore({ databaseUrl: url, postgresSchema: test.schema, sqliteFile: ':memory:' }),
    });
  });
  afterAll(async () => {
    await stopApi(h);
    await drop?.();
  });

  it('answers 400 to NUL in a message, a name or an id, changing nothing', async () => {
    const chat = await startChat(h.app);
    const alice = h.agentTokens.alice as string;
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, alice).expect(200);
    const before = await worldState(h.store, [chat.id]);
    const sent = await call(h.app, 'post', `/api/conversations/${chat.id}/messages`, alice, { text: 'a\u0000b' });
    expect(expectError(sent, 400, 'INVALID_INPUT').message).toContain('body.text');
    expectError(await call(h.app, 'post', '/api/agents', ADMIN_TOKEN, { id: 'nul', name: 'N\u0000' }), 400, 'INVALID_INPUT');
    expectError(await call(h.app, 'post', '/api/queues', ADMIN_TOKEN, { id: 'nul', name: 'Q\u0000' }), 400, 'INVALID_INPUT');
    expectError(await call(h.app, 'post', '/api/conversations', null, { customer: { id: 'c\u0000' } }), 400, 'INVALID_INPUT');
    expect(await worldState(h.store, [chat.id])).toEqual(before);
    const ok = await call(h.app, 'post', `/api/conversations/${chat.id}/messages`, alice, { text: 'fine\ttext\n' });
    expect(ok.status).toBe(201);
    const lone = await call(h.app, 'post', `/api/conversations/${chat.id}/messages`, alice, { text: 'a\ud800b' });
    expect(lone.body.message.text).toBe('a\ufffdb');
    expect((await h.store.listMessages(chat.id)).map((m) => m.text)).toEqual(['fine\ttext\n', 'a\ufffdb']);
  });
});
