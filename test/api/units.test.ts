import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { resolveCredentials } from '../../src/auth/credentials';
import { ApiErrorCode, STATUS_BY_CODE } from '../../src/api/http/errors';
import { StartConversationBody, TransferBody } from '../../src/api/schemas/requests';
import { customerToken, derivedId, verifyCustomerToken } from '../../src/auth/tokens';
import { jsonChecker, textChecker } from '../../src/api/http/validate';
import type { ApiConfig } from '../../src/config';
import { loadConfig } from '../../src/config';
import { ErrorCode } from '../../src/domain/errors';

const problems = (checked: { ok: boolean; problems?: unknown }) => (checked.ok ? [] : checked.problems);

describe('schema validation', () => {
  const start = jsonChecker(StartConversationBody, 'body');
  const transfer = jsonChecker(TransferBody, 'body');

  it('accepts a valid body and reports every problem with its field otherwise', () => {
    expect(start.check({ customer: { name: 'Dana' }, channel: 'sms' })).toEqual({
      ok: true,
      value: { customer: { name: 'Dana' }, channel: 'sms' },
    });
    expect(problems(start.check({ channel: 'fax', priority: 1.5, extra: 1 }))).toEqual(
      expect.arrayContaining([
        { field: 'body.channel', message: 'must be one of "chat", "sms", "social"' },
        { field: 'body.priority', message: 'must be a whole number' },
        { field: 'body.extra', message: 'is not allowed here' },
      ]),
    );
    expect(problems(start.check([]))).toEqual([{ field: 'body', message: 'must be an object' }]);
  });

  it('needs exactly one transfer target, and names a bad one', () => {
    expect(transfer.check({ toQueueId: 'q' }).ok).toBe(true);
    expect(transfer.check({ toAgentId: 'a', force: true }).ok).toBe(true);
    expect(problems(transfer.check({}))).toEqual([
      { field: 'body', message: 'must match exactly one of: { toQueueId }; { toAgentId, force? }' },
    ]);
    expect(problems(transfer.check({ toQueueId: 'q', toAgentId: 'a' }))).toEqual([
      { field: 'body', message: 'must match exactly one of: { toQueueId }; { toAgentId, force? }' },
    ]);
    expect(problems(transfer.check({ toQueueId: 'bad id' }))).toEqual([
      { field: 'body.toQueueId', message: 'must be 1-128 letters, digits, or . _ : @ -' },
    ]);
    expect(problems(transfer.check('q'))).toEqual([{ field: 'body', message: 'must be an object' }]);
  });

  it('coerces path and query text to numbers only where asked', () => {
    const schema = Type.Object({ limit: Type.Optional(Type.Integer({ maximum: 10 })), name: Type.Optional(Type.String()) });
    expect(textChecker(schema, 'query').check({ limit: '5', name: '7' })).toEqual({ ok: true, value: { limit: 5, name: '7' } });
    expect(problems(textChecker(schema, 'query').check({ limit: '50' }))).toEqual([
      { field: 'query.limit', message: 'must be at most 10' },
    ]);
    expect(problems(jsonChecker(schema, 'body').check({ limit: '5' }))).toEqual([
      { field: 'body.limit', message: 'must be a whole number' },
    ]);
  });
});

describe('error table', () => {
  it('maps every domain error code to a 4xx status', () => {
    for (const code of Object.values(ErrorCode)) expect(STATUS_BY_CODE[code]).toBeGreaterThanOrEqual(400);
    expect(STATUS_BY_CODE[ApiErrorCode.AlreadyTaken]).toBe(409);
    expect(STATUS_BY_CODE[ApiErrorCode.TemporalUnavailable]).toBe(503);
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
      const api: ApiConfig = {
        adminToken: null,
        secret: null,
        startsPerMinute: 30,
        bodyLimitBytes: 32768,
        agentTokenTtlMs: null,
        trustProxy: false,
      };
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

describe('API settings from the environment', () => {
  it('defaults to 30-day agent tokens, no trusted proxy, 600 starts a minute and a silent log under Jest', () => {
    const config = loadConfig({});
    expect(config.api).toMatchObject({ agentTokenTtlMs: 30 * 86_400_000, trustProxy: false, startsPerMinute: 600 });
    expect(config.log).toEqual({ level: 'info' });
    expect(loadConfig({ JEST_WORKER_ID: '1' }).log).toEqual({ level: 'silent' });
    expect(loadConfig({ JEST_WORKER_ID: '1', LOG_LEVEL: 'warn' }).log).toEqual({ level: 'warn' });
  });

  it('reads token lifetimes, trust proxy, an unlimited start rate and the log level', () => {
    const config = loadConfig({
      CONVOFLOW_AGENT_TOKEN_TTL: 'none',
      CONVOFLOW_TRUST_PROXY: 'loopback, 10.0.0.0/8',
      CONVOFLOW_START_RATE_PER_MINUTE: 'off',
      LOG_LEVEL: 'debug',
    });
    expect(config.api).toMatchObject({ agentTokenTtlMs: null, trustProxy: 'loopback, 10.0.0.0/8', startsPerMinute: null });
    expect(config.log).toEqual({ level: 'debug' });
    expect(loadConfig({ CONVOFLOW_AGENT_TOKEN_TTL: '12h', CONVOFLOW_TRUST_PROXY: '1' }).api).toMatchObject({
      agentTokenTtlMs: 12 * 3_600_000,
      trustProxy: 1,
    });
  });

  it('refuses malformed values, naming each', () => {
    expect(() => loadConfig({ CONVOFLOW_AGENT_TOKEN_TTL: 'forever', CONVOFLOW_TRUST_PROXY: 'everyone', LOG_LEVEL: 'loud' })).toThrow(
      /CONVOFLOW_AGENT_TOKEN_TTL[\s\S]*CONVOFLOW_TRUST_PROXY[\s\S]*LOG_LEVEL/,
    );
  });
});
