import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveCredentials } from '../../src/api/credentials';
import { ApiErrorCode, STATUS_BY_CODE } from '../../src/api/errors';
import { RateLimiter } from '../../src/api/rate-limit';
import { validate } from '../../src/api/schema';
import { StartConversationBody, TransferBody } from '../../src/api/schemas';
import { customerToken, derivedId, verifyCustomerToken } from '../../src/api/tokens';
import { ErrorCode } from '../../src/domain/errors';

describe('schema validation', () => {
  it('accepts a valid body and reports every problem with its field otherwise', () => {
    expect(validate(StartConversationBody, { customer: { name: 'Dana' }, channel: 'sms' }, 'body').problems).toEqual([]);
    expect(validate(StartConversationBody, { channel: 'fax', priority: 1.5, extra: 1 }, 'body').problems).toEqual([
      { field: 'body.channel', message: 'must be one of "chat", "sms", "social"' },
      { field: 'body.priority', message: 'must be a whole number' },
      { field: 'body.extra', message: 'is not allowed here' },
    ]);
    expect(validate(StartConversationBody, [], 'body').problems).toEqual([{ field: 'body', message: 'must be an object' }]);
  });

  it('needs exactly one transfer target', () => {
    expect(validate(TransferBody, { toQueueId: 'q' }).problems).toEqual([]);
    expect(validate(TransferBody, { toAgentId: 'a', force: true }).problems).toEqual([]);
    expect(validate(TransferBody, {}).problems[0]?.message).toContain('exactly one');
    expect(validate(TransferBody, { toQueueId: 'q', toAgentId: 'a' }).problems[0]?.message).toContain('exactly one');
  });

  it('coerces path and query text to numbers and booleans only where asked', () => {
    const schema = { type: 'object', properties: { limit: { type: 'integer', maximum: 10 }, name: { type: 'string' } } } as const;
    expect(validate(schema, { limit: '5', name: '7' }, 'query', true)).toEqual({ value: { limit: 5, name: '7' }, problems: [] });
    expect(validate(schema, { limit: '50' }, 'query', true).problems).toEqual([{ field: 'query.limit', message: 'must be at most 10' }]);
  });
});

describe('error table', () => {
  it('maps every domain error code to a 4xx status', () => {
    for (const code of Object.values(ErrorCode)) expect(STATUS_BY_CODE[code]).toBeGreaterThanOrEqual(400);
    expect(STATUS_BY_CODE[ApiErrorCode.AlreadyTaken]).toBe(409);
    expect(STATUS_BY_CODE[ApiErrorCode.TemporalUnavailable]).toBe(503);
  });
});

describe('rate limiter', () => {
  it('allows a burst, then refills at the configured rate, per key', () => {
    let now = 0;
    const limiter = new RateLimiter({ perMinute: 30, now: () => now });
    for (let i = 0; i < 30; i++) expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(limiter.take('b').ok).toBe(true);
    now += 2_000;
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
  });
});

describe('tokens', () => {
  it('verifies customer tokens for their own conversation only', () => {
    const token = customerToken('secret-0123456789', 'c.1');
    expect(verifyCustomerToken('secret-0123456789', token)).toBe('c.1');
    expect(verifyCustomerToken('another-secret-0123', token)).toBeNull();
    expect(verifyCustomerToken('secret-0123456789', token.replace('c.1', 'c.2'))).toBeNull();
    expect(verifyCustomerToken('secret-0123456789', 'cus_x')).toBeNull();
  });

  it('derives the same id from the same key', () => {
    expect(derivedId('s', 'conversation', 'k')).toBe(derivedId('s', 'conversation', 'k'));
    expect(derivedId('s', 'conversation', 'k')).not.toBe(derivedId('s', 'conversation', 'k2'));
    expect(derivedId('s', 'conversation', 'k')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});

describe('credentials', () => {
  it('generates the admin token and secret once, readable only by the owner, and prefers configured values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'convoflow-api-'));
    try {
      const api = { adminToken: null, secret: null, startsPerMinute: 30, bodyLimitBytes: 32768 };
      const first = resolveCredentials(api, dir);
      expect(first.generatedAdminToken).toBe(true);
      expect(statSync(join(dir, 'admin-token')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, 'admin-token'), 'utf8').trim()).toBe(first.credentials.adminToken);
      const second = resolveCredentials(api, dir);
      expect(second).toEqual({ credentials: first.credentials, generatedAdminToken: false });
      const configured = resolveCredentials({ ...api, adminToken: 'configured-admin-token', secret: 'configured-secret-value' }, dir);
      expect(configured.credentials).toEqual({ adminToken: 'configured-admin-token', secret: 'configured-secret-value' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
