import { createHmac } from 'node:crypto';
import type { StoredEvent } from '../../src/domain/events';
import { webhookRequest } from '../../src/webhooks/format';
import { newWebhookSecret, openWebhookSecret, sealWebhookSecret } from '../../src/webhooks/secret-box';
import { verifyWebhookSignature } from '../../src/webhooks/signature';

const SERVER_SECRET = 'server-secret-0123456789abcdef';
const EVENT: StoredEvent = {
  id: 42,
  type: 'agent.presence',
  at: '2025-01-01T00:00:00.000Z',
  conversationId: null,
  queueId: null,
  agentId: 'alice',
  previousAgentId: null,
  data: { presence: 'Available', previous: 'Offline', reason: null },
};
const NOW_MS = Date.parse('2025-01-01T00:00:10.000Z');
const NOW_S = NOW_MS / 1000;

describe('a delivery', () => {
  const secret = newWebhookSecret();
  const { body, headers } = webhookRequest(EVENT, secret, NOW_S);

  it('carries the stored event as JSON with its id, type and signed timestamp in headers', () => {
    expect(JSON.parse(body)).toEqual(EVENT);
    expect(headers).toMatchObject({
      'Content-Type': 'application/json',
      'Convoflow-Event-Id': '42',
      'Convoflow-Event-Type': 'agent.presence',
      'Convoflow-Timestamp': String(NOW_S),
    });
  });

  it("is signed with Stripe's scheme: t=<timestamp>,v1=<hex HMAC-SHA256(secret, '<timestamp>.<body>')>", () => {
    const expected = createHmac('sha256', secret).update(`${NOW_S}.${body}`).digest('hex');
    expect(headers['Convoflow-Signature']).toBe(`t=${NOW_S},v1=${expected}`);
  });

  it('verifies with its secret, as string or raw bytes', () => {
    expect(verifyWebhookSignature(secret, headers['Convoflow-Signature'], body, NOW_MS)).toBe(true);
    expect(verifyWebhookSignature(secret, headers['Convoflow-Signature'], Buffer.from(body), NOW_MS)).toBe(true);
  });

  it('does not verify with another secret, another body, or a forged or missing header', () => {
    const signature = headers['Convoflow-Signature'] ?? '';
    expect(verifyWebhookSignature(newWebhookSecret(), signature, body, NOW_MS)).toBe(false);
    expect(verifyWebhookSignature(secret, signature, body.replace('Available', 'Away'), NOW_MS)).toBe(false);
    expect(verifyWebhookSignature(secret, signature.replace(`t=${NOW_S}`, `t=${NOW_S + 1}`), body, NOW_MS)).toBe(false);
    expect(verifyWebhookSignature(secret, `t=${NOW_S}`, body, NOW_MS)).toBe(false);
    expect(verifyWebhookSignature(secret, 'garbage', body, NOW_MS)).toBe(false);
    expect(verifyWebhookSignature(secret, undefined, body, NOW_MS)).toBe(false);
  });

  it('refuses a replay signed more than five minutes before (or after) now', () => {
    const signature = headers['Convoflow-Signature'];
    expect(verifyWebhookSignature(secret, signature, body, NOW_MS + 299_000)).toBe(true);
    expect(verifyWebhookSignature(secret, signature, body, NOW_MS + 301_000)).toBe(false);
    expect(verifyWebhookSignature(secret, signature, body, NOW_MS - 301_000)).toBe(false);
  });
});

describe('endpoint secrets', () => {
  it('are whsec_ and 43 base64url characters, fresh each time, or derived from a seed', () => {
    expect(newWebhookSecret()).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(newWebhookSecret());
    expect(newWebhookSecret(SERVER_SECRET, 'seed')).toBe(newWebhookSecret(SERVER_SECRET, 'seed'));
    expect(newWebhookSecret(SERVER_SECRET, 'seed')).not.toBe(newWebhookSecret(SERVER_SECRET, 'other'));
  });

  it('are sealed at rest: the sealed form does not contain them, and opens only with the server secret and for its endpoint', () => {
    const secret = newWebhookSecret();
    const sealed = sealWebhookSecret(SERVER_SECRET, 'w1', secret);
    expect(sealed).not.toContain(secret.slice('whsec_'.length, 20));
    expect(sealed).not.toBe(sealWebhookSecret(SERVER_SECRET, 'w1', secret));
    expect(openWebhookSecret(SERVER_SECRET, 'w1', sealed)).toBe(secret);
    expect(() => openWebhookSecret('another-server-secret-0123', 'w1', sealed)).toThrow(/CONVOFLOW_SECRET/);
    expect(() => openWebhookSecret(SERVER_SECRET, 'w2', sealed)).toThrow();
    const [version, iv, tag, data] = sealed.split('.');
    const flipped = `${(data ?? '').startsWith('A') ? 'B' : 'A'}${(data ?? '').slice(1)}`;
    expect(() => openWebhookSecret(SERVER_SECRET, 'w1', [version, iv, tag, flipped].join('.'))).toThrow();
    expect(() => openWebhookSecret(SERVER_SECRET, 'w1', 'not sealed')).toThrow();
  });
});
