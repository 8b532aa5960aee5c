import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { PAGE_CSP, pageRoutes } from '../../src/api/routes/pages';
import type { ApiHarness } from '../api/helpers';
import { ADMIN_TOKEN, call, expectError, startApi, startChat, stopApi } from '../api/helpers';

let h: ApiHarness;
const token = (agent: string): string => h.agentTokens[agent] as string;

beforeAll(async () => {
  h = await startApi();
});
afterAll(() => stopApi(h));

describe('GET /api/conversations (supervisor)', () => {
  it('lists conversations newest first, filtered by state, queue and agent, for the admin only', async () => {
    const a = await startChat(h.app);
    const b = await startChat(h.app, { queueId: 'billing' });
    await call(h.app, 'post', `/api/conversations/${a.id}/pick`, token('alice')).expect(200);
    const ids = async (query: string) =>
      (await call(h.app, 'get', `/api/conversations${query}`, ADMIN_TOKEN).expect(200)).body.conversations.map(
        (c: { conversationId: string }) => c.conversationId,
      );
    expect((await ids('')).slice(0, 2)).toEqual([b.id, a.id]);
    expect(await ids(`?state=Active&agentId=alice`)).toEqual([a.id]);
    expect(await ids(`?queueId=billing&state=Open`)).toEqual([b.id]);
    expect(await ids('?limit=1')).toEqual([b.id]);
    const listed = await call(h.app, 'get', `/api/conversations?state=Active&agentId=alice`, ADMIN_TOKEN);
    expect(listed.body.conversations[0]).toMatchObject({ conversationId: a.id, state: 'Active', agentId: 'alice', queueId: 'default' });
    expectError(await call(h.app, 'get', '/api/conversations', token('alice')), 403, 'FORBIDDEN');
    expectError(await call(h.app, 'get', '/api/conversations', a.customerToken), 403, 'FORBIDDEN');
    expectError(await call(h.app, 'get', '/api/conversations?state=Sleeping', ADMIN_TOKEN), 400, 'INVALID_INPUT');
    expectError(await call(h.app, 'get', '/api/conversations?limit=5000', ADMIN_TOKEN), 400, 'INVALID_INPUT');
  });
});

describe('GET /api/me', () => {
  it('says who each token is: the admin, an agent with presence, queues and load, a customer with their conversation', async () => {
    expect((await call(h.app, 'get', '/api/me', ADMIN_TOKEN).expect(200)).body).toEqual({ kind: 'admin' });
    const chat = await startChat(h.app);
    await call(h.app, 'post', `/api/conversations/${chat.id}/pick`, token('bob')).expect(200);
    const bob = (await call(h.app, 'get', '/api/me', token('bob')).expect(200)).body;
    expect(bob).toMatchObject({
      kind: 'agent',
      agent: { id: 'bob', presence: 'Offline', queues: ['default'], capacity: 15, usedUnits: 10 },
    });
    expect(bob.agent.conversations).toBeGreaterThanOrEqual(1);
    const customer = (await call(h.app, 'get', '/api/me', chat.customerToken).expect(200)).body;
    expect(customer).toMatchObject({ kind: 'customer', conversation: { conversationId: chat.id, state: 'Active', agentId: 'bob' } });
    expect(customer.conversation).toHaveProperty('reviveUntil', null);
    expectError(await call(h.app, 'get', '/api/me'), 401, 'UNAUTHORIZED');
    await call(h.app, 'post', `/api/conversations/${chat.id}/end`, token('bob')).expect(200);
    await call(h.app, 'post', `/api/conversations/${chat.id}/close-tab`, token('bob')).expect(200);
  });
});

describe('GET /api/ui-config', () => {
  it('answers the Temporal Web UI, the namespace and the queues a customer may pick, to anyone', async () => {
    const app = createApp({ ...h.deps, live: { ui: { temporalUiUrl: 'http://ui.example:8233', namespace: 'support' } } });
    const res = await request(app).get('/api/ui-config').expect(200);
    expect(res.body).toEqual({
      temporalUiUrl: 'http://ui.example:8233',
      namespace: 'support',
      queues: expect.arrayContaining([
        { id: 'default', name: expect.any(String) },
        { id: 'billing', name: 'Billing' },
      ]),
    });
    expect((await request(h.app).get('/api/ui-config').expect(200)).body).toMatchObject({ temporalUiUrl: null, namespace: 'default' });
  });
});

describe('OpenAPI', () => {
  it('documents the event stream as text/event-stream with its filters and Last-Event-ID', async () => {
    const doc = (await call(h.app, 'get', '/api/openapi.json').expect(200)).body;
    const op = doc.paths['/api/events'].get;
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/event-stream']);
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual([
      'types',
      'queue',
      'agent',
      'conversation',
      'lastEventId',
      'Last-Event-ID',
    ]);
    expect(doc.paths['/api/conversations'].get.tags).toEqual(['Supervisor']);
  });
});

describe('the pages', () => {
  it('serves each page and its assets with the CSP, and says how to build them when they are missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convoflow-pages-'));
    try {
      writeFileSync(join(dir, 'agent.html'), '<!doctype html><title>Agent</title>');
      const app = express().use(pageRoutes(dir));
      const page = await request(app).get('/agent').expect(200);
      expect(page.headers['content-security-policy']).toBe(PAGE_CSP);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toContain('<title>Agent</title>');
      const missing = await request(app).get('/chat').expect(503);
      expect(missing.text).toContain('npm run build');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
