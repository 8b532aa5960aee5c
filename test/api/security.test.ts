import request from 'supertest';
import { createApp } from '../../src/api/app';
import { customerToken } from '../../src/auth/tokens';
import type { Store } from '../../src/store/store';
import type { ApiHarness } from './helpers';
import { ADMIN_TOKEN, apiDeps, call, expectError, SECRET, startApi, startChat, stopApi, worldState } from './helpers';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApi();
});
afterAll(() => stopApi(h));

const VICTIM_UA = 'Mozilla/5.0 (victim)';
const ATTACKER_UA = 'curl/8.0 (attacker)';

function start(app = h.app, key: string, userAgent: string, body: object = { customer: { name: 'Dana' } }) {
  return request(app).post('/api/conversations').set('Idempotency-Key', key).set('User-Agent', userAgent).send(body);
}

describe('replaying a start Idempotency-Key', () => {
  it('gives the same client its conversation and token again', async () => {
    const first = await start(h.app, 'start-own-1', VICTIM_UA);
    expect(first.status).toBe(201);
    const again = await start(h.app, 'start-own-1', VICTIM_UA);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('hands no token to another client that knows the key, and changes nothing', async () => {
    const first = await start(h.app, 'start-victim-1', VICTIM_UA);
    expect(first.status).toBe(201);
    const before = await worldState(h.store, [first.body.conversation.conversationId]);
    const stolen = await start(h.app, 'start-victim-1', ATTACKER_UA);
    expectError(stolen, 409, 'IDEMPOTENCY_KEY_REUSED');
    expect(JSON.stringify(stolen.body)).not.toContain(first.body.customerToken);
    expect(JSON.stringify(stolen.body)).not.toContain(first.body.conversation.conversationId);
    expect(await worldState(h.store, [first.body.conversation.conversationId])).toEqual(before);
  });

  it('hands no token to another client even when the first answer was never recorded (crash window)', async () => {
    const first = await start(h.app, 'start-victim-2', VICTIM_UA);
    const forgetful = Object.assign(Object.create(h.store) as Store, { getIdempotencyRecord: () => Promise.resolve(null) });
    const other = createApp({ ...h.deps, store: forgetful });
    const attacker = await start(other, 'start-victim-2', ATTACKER_UA);
    expect(JSON.stringify(attacker.body)).not.toContain(first.body.customerToken);
    if (attacker.status === 201) expect(attacker.body.conversation.conversationId).not.toBe(first.body.conversation.conversationId);
    // The victim's own retry still finds its conversation.
    const retry = await start(other, 'start-victim-2', VICTIM_UA);
    expect(retry.body.conversation.conversationId).toBe(first.body.conversation.conversationId);
    expect(retry.body.customerToken).toBe(first.body.customerToken);
  });
});

describe('security headers', () => {
  it('sends nosniff, a strict CSP and no-store on answers, errors and unknown paths alike', async () => {
    const chat = await startChat(h.app);
    for (const res of [
      chat.response,
      await call(h.app, 'get', '/healthz'),
      await call(h.app, 'get', '/api/agents'),
      await call(h.app, 'get', '/nope'),
    ]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
      const csp = String(res.headers['content-security-policy']);
      for (const directive of [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
      ]) {
        expect(csp).toContain(directive);
      }
      expect(csp).not.toContain('unsafe-inline');
    }
  });
});

describe('customer token signatures are parsed strictly', () => {
  it('refuses padding, junk characters and non-canonical encodings with 401', async () => {
    const chat = await startChat(h.app);
    const token = chat.customerToken;
    await call(h.app, 'get', `/api/conversations/${chat.id}`, token).expect(200);
    const signature = token.slice(token.lastIndexOf('.') + 1);
    const last = signature.at(-1) as string;
    // The last of 43 characters carries 4 bits; its neighbour in the alphabet decodes to the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] as string;
    const variants = [
      `${token}=`,
      `${token}==`,
      `${token}!`,
      `${token.slice(0, -1)}*${last}`,
      `${token}AA`,
      token.slice(0, -1),
      `${token.slice(0, -1)}${sibling}`,
      token.replace(signature, signature.replace(/-/g, '+').replace(/_/g, '/')),
      `${token.slice(0, token.lastIndexOf('.') + 1)}${Buffer.from(signature, 'base64url').toString('base64')}`,
    ].filter((v) => v !== token);
    for (const variant of variants) {
      const res = await call(h.app, 'get', `/api/conversations/${chat.id}`, variant);
      expect({ variant, status: res.status }).toEqual({ variant, status: 401 });
    }
    expect(customerToken(SECRET, chat.id)).toBe(token);
  });
});

describe('agent tokens', () => {
  it('lets the admin issue a token for an agent from the configuration, which could never sign in before', async () => {
    // carol was seeded (as from config/demo.json); a fresh app has never issued her a token.
    const res = await call(h.app, 'post', '/api/agents/carol/tokens', ADMIN_TOKEN, {});
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ agentId: 'carol', token: expect.stringMatching(/^agt_/), expiresAt: expect.any(String) });
    await call(h.app, 'get', '/api/agents/carol/work-items', res.body.token).expect(200);
    expectError(await call(h.app, 'post', '/api/agents/nobody/tokens', ADMIN_TOKEN, {}), 404, 'UNKNOWN_AGENT');
  });

  it('lets an agent rotate their own token, revoking the others, but not someone else’s', async () => {
    const first = (await call(h.app, 'post', '/api/agents/bob/tokens', ADMIN_TOKEN, {})).body.token as string;
    const second = (await call(h.app, 'post', '/api/agents/bob/tokens', ADMIN_TOKEN, {})).body.token as string;
    expectError(await call(h.app, 'post', '/api/agents/alice/tokens', first, {}), 403, 'FORBIDDEN');
    const rotated = await call(h.app, 'post', '/api/agents/bob/tokens', first, { revokeOthers: true });
    expect(rotated.status).toBe(201);
    const fresh = rotated.body.token as string;
    expectError(await call(h.app, 'get', '/api/agents/bob/work-items', first), 401, 'UNAUTHORIZED');
    expectError(await call(h.app, 'get', '/api/agents/bob/work-items', second), 401, 'UNAUTHORIZED');
    await call(h.app, 'get', '/api/agents/bob/work-items', fresh).expect(200);
  });

  it('signs an agent out everywhere on DELETE', async () => {
    const a = (await call(h.app, 'post', '/api/agents/bob/tokens', ADMIN_TOKEN, {})).body.token as string;
    const b = (await call(h.app, 'post', '/api/agents/bob/tokens', ADMIN_TOKEN, {})).body.token as string;
    const res = await call(h.app, 'delete', '/api/agents/bob/tokens', a);
    expect(res.status).toBe(200);
    expect(res.body.revoked).toBeGreaterThanOrEqual(2);
    expectError(await call(h.app, 'get', '/api/agents/bob/work-items', a), 401, 'UNAUTHORIZED');
    expectError(await call(h.app, 'get', '/api/agents/bob/work-items', b), 401, 'UNAUTHORIZED');
  });

  it('expires tokens after the configured lifetime', async () => {
    const shortLived = createApp(apiDeps(h.store, h.env.client, h.taskQueue, { agentTokenTtlMs: 1_000 }, undefined));
    const issued = await call(shortLived, 'post', '/api/agents/alice/tokens', ADMIN_TOKEN, {});
    expect(Date.parse(issued.body.expiresAt) - Date.now()).toBeLessThanOrEqual(1_000);
    await call(shortLived, 'get', '/api/agents/alice/work-items', issued.body.token).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expectError(await call(shortLived, 'get', '/api/agents/alice/work-items', issued.body.token), 401, 'UNAUTHORIZED');
    const created = await call(shortLived, 'post', '/api/agents', ADMIN_TOKEN, { id: 'temp', queues: ['default'] });
    expect(created.body.tokenExpiresAt).toEqual(expect.any(String));
  });
});
