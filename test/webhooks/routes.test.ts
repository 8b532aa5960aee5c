import request from 'supertest';
import { customerToken } from '../../src/auth/tokens';
import { webhookWorkflowId } from '../../src/domain/webhooks';
import { openWebhookSecret } from '../../src/webhooks/secret-box';
import type { ApiHarness } from '../api/helpers';
import { ADMIN_TOKEN, call, expectError, SECRET, startApi, stopApi } from '../api/helpers';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApi();
});
afterAll(() => stopApi(h));

const RECEIVER = 'https://receiver.example/hooks';

async function registeredNothing(): Promise<void> {
  expect(await h.store.listWebhookEndpoints()).toEqual([]);
  expect((await call(h.app, 'get', '/api/webhooks', ADMIN_TOKEN).expect(200)).body).toEqual({ webhooks: [] });
}

describe('the webhook routes', () => {
  afterEach(async () => {
    for (const e of await h.store.listWebhookEndpoints()) await call(h.app, 'delete', `/api/webhooks/${e.id}`, ADMIN_TOKEN).expect(200);
  });

  it('register an endpoint for the admin with a secret shown once, sealed at rest, and start its delivery workflow', async () => {
    const latest = (await h.store.eventLogBounds()).latestId;
    const res = await call(h.app, 'post', '/api/webhooks', ADMIN_TOKEN, {
      url: RECEIVER,
      eventTypes: ['conversation.state', 'agent.presence'],
      description: 'CRM sync',
    });
    expect(res.status).toBe(201);
    const { webhook, secret } = res.body;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(webhook).toEqual({
      id: expect.any(String),
      url: RECEIVER,
      eventTypes: ['conversation.state', 'agent.presence'],
      description: 'CRM sync',
      createdAt: expect.any(String),
      startAfterEventId: latest,
      cursor: latest,
      status: 'active',
      failingSince: null,
      failingReason: null,
    });
    expect(res.headers.location).toBe(`/api/webhooks/${webhook.id}`);

    // Reads never show the secret; the store keeps it sealed under the server secret.
    const one = await call(h.app, 'get', `/api/webhooks/${webhook.id}`, ADMIN_TOKEN).expect(200);
    const all = await call(h.app, 'get', '/api/webhooks', ADMIN_TOKEN).expect(200);
    expect(one.body).toEqual({ webhook });
    expect(all.body).toEqual({ webhooks: [webhook] });
    expect(JSON.stringify([one.body, all.body])).not.toContain(secret);
    const sealed = (await h.store.getWebhookTarget(webhook.id))?.sealedSecret ?? '';
    expect(sealed).not.toContain(secret);
    expect(openWebhookSecret(SECRET, webhook.id, sealed)).toBe(secret);

    const run = await h.env.client.workflow.getHandle(webhookWorkflowId(webhook.id)).describe();
    expect(run.type).toBe('webhookDeliveryWorkflow');
    expect(run.status.name).toBe('RUNNING');
  });

  it('answers a retry with the same Idempotency-Key as the first time, secret included, registering one endpoint', async () => {
    const body = { url: RECEIVER, eventTypes: ['*'] };
    const first = await call(h.app, 'post', '/api/webhooks', ADMIN_TOKEN, body).set('Idempotency-Key', 'hook-1').expect(201);
    const again = await call(h.app, 'post', '/api/webhooks', ADMIN_TOKEN, body).set('Idempotency-Key', 'hook-1').expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await h.store.listWebhookEndpoints()).map((e) => e.id)).toEqual([first.body.webhook.id]);
    const other = await call(h.app, 'post', '/api/webhooks', ADMIN_TOKEN, { ...body, eventTypes: ['queue.stats'] }).set(
      'Idempotency-Key',
      'hook-1',
    );
    expectError(other, 409, 'IDEMPOTENCY_KEY_REUSED');
    expect(await h.store.listWebhookEndpoints()).toHaveLength(1);
  });

  it('refuse a URL that is not http(s), an unknown or empty subscription, and other bad bodies with 400, registering nothing', async () => {
    const bad: [unknown, string][] = [
      [{ url: 'ftp://receiver.example/hooks', eventTypes: ['*'] }, 'body.url'],
      [{ url: 'javascript:alert(1)', eventTypes: ['*'] }, 'body.url'],
      [{ url: 'receiver.example/hooks', eventTypes: ['*'] }, 'body.url'],
      [{ url: 'https://user:password@receiver.example/hooks', eventTypes: ['*'] }, 'body.url'],
      [{ url: 'https://receiver.example:99999/hooks', eventTypes: ['*'] }, 'body.url'],
      [{ url: `https://receiver.example/${'a'.repeat(2048)}`, eventTypes: ['*'] }, 'body.url'],
      [{ url: RECEIVER, eventTypes: ['agent.teleported'] }, 'body.eventTypes[0]'],
      [{ url: RECEIVER, eventTypes: [] }, 'body.eventTypes'],
      [{ url: RECEIVER, eventTypes: ['*', 'agent.presence'] }, 'body.eventTypes'],
      [{ url: RECEIVER, eventTypes: ['agent.presence', 'agent.presence'] }, 'body.eventTypes'],
      [{ url: RECEIVER }, 'body.eventTypes'],
      [{ eventTypes: ['*'] }, 'body.url'],
      [{ url: RECEIVER, eventTypes: ['*'], secret: 'whsec_mine' }, 'body.secret'],
      [{ url: RECEIVER, eventTypes: ['*'], description: 'line\u0000break' }, 'body.description'],
    ];
    for (const [body, field] of bad) {
      const error = expectError(await call(h.app, 'post', '/api/webhooks', ADMIN_TOKEN, body), 400, 'INVALID_INPUT');
      expect({ body, message: error.message }).toEqual({ body, message: expect.stringContaining(field) });
    }
    await registeredNothing();
  });

  it('are for the admin alone: an agent or a customer is refused with 403, no token with 401, and nothing is registered', async () => {
    const agent = h.agentTokens.alice as string;
    const customer = customerToken(SECRET, 'some-conversation');
    const body = { url: RECEIVER, eventTypes: ['*'] };
    for (const token of [agent, customer]) {
      expectError(await call(h.app, 'post', '/api/webhooks', token, body), 403, 'FORBIDDEN');
      expectError(await call(h.app, 'get', '/api/webhooks', token), 403, 'FORBIDDEN');
    }
    expectError(await call(h.app, 'post', '/api/webhooks', null, body), 401, 'UNAUTHORIZED');
    expectError(await call(h.app, 'post', '/api/webhooks', 'not-a-token', body), 401, 'UNAUTHORIZED');
    await registeredNothing();

    const { webhook } = (await call(h.app, 'post', '/api/webhooks', ADMIN_TOKEN, body).expect(201)).body;
    for (const path of [`/api/webhooks/${webhook.id}`, `/api/webhooks/${webhook.id}/deliveries`]) {
      expectError(await call(h.app, 'get', path, agent), 403, 'FORBIDDEN');
    }
    expectError(await call(h.app, 'delete', `/api/webhooks/${webhook.id}`, agent), 403, 'FORBIDDEN');
    expect((await h.store.listWebhookEndpoints()).map((e) => e.id)).toEqual([webhook.id]);
  });

  it('answer 404 NOT_FOUND for an endpoint that does not exist', async () => {
    for (const [method, path] of [
      ['get', '/api/webhooks/nope'],
      ['get', '/api/webhooks/nope/deliveries'],
      ['delete', '/api/webhooks/nope'],
    ] as const) {
      expect(expectError(await call(h.app, method, path, ADMIN_TOKEN), 404, 'NOT_FOUND').details).toEqual({ webhookId: 'nope' });
    }
  });

  it('appear in the OpenAPI document with their schemas, admin access and answers', async () => {
    const doc = (await request(h.app).get('/api/openapi.json').expect(200)).body;
    const ops = {
      register: doc.paths['/api/webhooks'].post,
      list: doc.paths['/api/webhooks'].get,
      get: doc.paths['/api/webhooks/{id}'].get,
      remove: doc.paths['/api/webhooks/{id}'].delete,
      deliveries: doc.paths['/api/webhooks/{id}/deliveries'].get,
    };
    for (const op of Object.values(ops)) {
      expect(op.tags).toEqual(['Webhooks']);
      expect(op.description).toBe('Tokens admitted: admin.');
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '503']));
    }
    expect(ops.register.requestBody.content['application/json'].schema.required).toEqual(['url', 'eventTypes']);
    expect(ops.register.responses['201'].content['application/json'].schema.properties.secret).toBeDefined();
    expect(ops.get.responses['200'].content['application/json'].schema.properties.webhook.properties.secret).toBeUndefined();
    expect(ops.deliveries.parameters.map((p: { name: string }) => p.name)).toEqual(['id', 'limit', 'status']);
    expect(Object.keys(ops.remove.responses)).toEqual(expect.arrayContaining(['200', '404', '409']));
  });
});
