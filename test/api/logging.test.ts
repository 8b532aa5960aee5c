import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { createLogger } from '../../src/logger';
import type { Store } from '../../src/store/store';
import type { ApiHarness } from './helpers';
import { ADMIN_TOKEN, apiDeps, expectError, startApi, startChat, stopApi } from './helpers';

let h: ApiHarness;
let lines: string[];
let app: ReturnType<typeof createApp>;

/** An app over the harness whose log lines are captured. */
function capturingApp(store: Store): ReturnType<typeof createApp> {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return createApp({ ...apiDeps(store, h.env.client, h.taskQueue), logger: createLogger({ level: 'info' }, sink) });
}

beforeAll(async () => {
  h = await startApi();
});
beforeEach(() => {
  lines = [];
  app = capturingApp(h.store);
});
afterAll(() => stopApi(h));

const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('request ids', () => {
  it('echoes a well-formed X-Request-Id and logs the request with it', async () => {
    const res = await request(app).get('/healthz').set('X-Request-Id', 'req-abc.123');
    expect(res.headers['x-request-id']).toBe('req-abc.123');
    expect(logged().some((l) => (l.req as { id?: string } | undefined)?.id === 'req-abc.123')).toBe(true);
  });

  it('replaces a malformed one with a fresh id', async () => {
    const res = await request(app).get('/healthz').set('X-Request-Id', 'bad id with spaces <script>');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const other = await request(app).get('/healthz');
    expect(other.headers['x-request-id']).not.toBe(res.headers['x-request-id']);
  });
});

describe('what logs never carry', () => {
  it('redacts the Authorization header and never writes tokens or message text', async () => {
    const chat = await startChat(app, { customer: { name: 'Dana' } });
    await request(app)
      .post(`/api/conversations/${chat.id}/messages`)
      .set('Authorization', `Bearer ${chat.customerToken}`)
      .send({ text: 'my secret order number 4242' })
      .expect(201);
    const text = lines.join('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(text).not.toContain(chat.customerToken);
    expect(text).not.toContain('4242');
    expect(text).toContain('[redacted]');
    for (const line of logged()) expect(line.service).toBe('convoflow');
  });
});

describe('genuine bugs', () => {
  it('answers 500 and logs the error with the request id', async () => {
    const broken = Object.assign(Object.create(h.store) as Store, {
      listAgents: () => Promise.reject(new TypeError('a bug')),
    });
    const buggy = capturingApp(broken);
    const res = await request(buggy).get('/api/agents').set('Authorization', `Bearer ${ADMIN_TOKEN}`).set('X-Request-Id', 'bug-1');
    expectError(res, 500, 'INTERNAL');
    const errorLine = logged().find((l) => l.level === 50 && (l.err as { message?: string } | undefined)?.message === 'a bug');
    expect(errorLine).toBeDefined();
    expect(JSON.stringify(errorLine)).toContain('bug-1');
  });
});
