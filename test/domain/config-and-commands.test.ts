import { parseCommand } from '../../src/domain/commands';
import { formatDuration, parseDuration } from '../../src/domain/durations';
import { DEFAULT_LIFECYCLE_CONFIG, parseLifecycleConfig } from '../../src/domain/lifecycle-config';
import { startInputError } from '../../src/domain/snapshot';
import { deadlines } from '../../src/domain/timers';
import { config, inState } from './fixtures';

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['20m', 1_200_000],
    ['24h', 86_400_000],
    ['30d', 2_592_000_000],
    [1500, 1500],
  ])('parses %p as %p ms', (raw, ms) => expect(parseDuration(raw, 'x')).toBe(ms));

  it('treats "none" as no limit and rejects nonsense with the field name', () => {
    expect(parseDuration('none', 'x')).toBeNull();
    expect(() => parseDuration('soon', 'lifecycle.reviveWindow')).toThrow(/lifecycle.reviveWindow/);
    expect(() => parseDuration(-5, 'x')).toThrow();
  });

  it('formats in the largest whole unit', () => {
    expect(formatDuration(1_200_000)).toBe('20m');
    expect(formatDuration(86_400_000)).toBe('1d');
    expect(formatDuration(null)).toBe('none');
  });
});

describe('lifecycle configuration', () => {
  it('keeps the documented defaults when nothing is configured', () => {
    expect(parseLifecycleConfig(undefined)).toEqual(DEFAULT_LIFECYCLE_CONFIG);
    expect(DEFAULT_LIFECYCLE_CONFIG.stalePeriodsMs.chat).toEqual({ Open: 1_200_000, Active: null, WrapUp: 900_000, Waiting: null });
    expect(DEFAULT_LIFECYCLE_CONFIG.stalePeriodsMs.sms).toMatchObject({ Open: 2_592_000_000, Active: 2_592_000_000, WrapUp: 86_400_000 });
    expect(DEFAULT_LIFECYCLE_CONFIG.reviveWindowMs).toBe(180_000);
    expect(DEFAULT_LIFECYCLE_CONFIG.staleGraceMs).toBe(86_400_000);
    expect(DEFAULT_LIFECYCLE_CONFIG.wrapUp.policy).toBe('hold');
  });

  it('overrides single values and keeps the rest', () => {
    const c = parseLifecycleConfig({
      stalePeriods: { chat: { Active: '2h' } },
      staleGrace: 0,
      wrapUp: { policy: 'holdFor', holdFor: '5m' },
    });
    expect(c.stalePeriodsMs.chat).toEqual({ Open: 1_200_000, Active: 7_200_000, WrapUp: 900_000, Waiting: null });
    expect(c.staleGraceMs).toBe(0);
    expect(c.wrapUp).toEqual({ policy: 'holdFor', holdForMs: 300_000 });
  });

  it.each([
    [{ unknown: 1 }, /lifecycle.unknown/],
    [{ wrapUp: { policy: 'keep' } }, /wrapUp.policy/],
    [{ wrapUp: { policy: 'holdFor' } }, /holdFor/],
    [{ waitingTimeout: { chat: 'none' } }, /waitingTimeout.chat/],
    [{ stalePeriods: { chat: { Open: 'later' } } }, /stalePeriods.chat.Open/],
  ])('rejects %j naming the field', (raw, message) => expect(() => parseLifecycleConfig(raw)).toThrow(message));
});

describe('timers', () => {
  it('runs only the waiting timeout for a Waiting chat by default', () => {
    expect(deadlines(inState('Waiting'), config).map((d) => d.op)).toEqual(['waitingTimeout']);
  });

  it('runs no timer on a Closed conversation', () => {
    expect(deadlines(inState('Closed'), config)).toEqual([]);
  });

  it('orders timers earliest first', () => {
    const c = { ...config, stalePeriodsMs: { ...config.stalePeriodsMs, chat: { ...config.stalePeriodsMs.chat, Waiting: 60_000 } } };
    expect(deadlines(inState('Waiting'), c).map((d) => d.op)).toEqual(['staleFlag', 'waitingTimeout']);
  });
});

describe('parseCommand', () => {
  const op = { kind: 'operator' } as const;

  it('refuses a missing agent id with the field name', () => {
    const p = parseCommand('assign', {}, op);
    expect(!p.ok && p.refusal).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'agentId' } });
  });

  it('carries the queue a reroute was decided for, refusing an empty one with the field name', () => {
    expect(parseCommand('reroute', { toQueueId: 'b', fromQueueId: 'a' }, op)).toMatchObject({ ok: true, command: { fromQueueId: 'a' } });
    const p = parseCommand('reroute', { toQueueId: 'b', fromQueueId: '' }, op);
    expect(!p.ok && p.refusal).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'fromQueueId' } });
  });

  it('refuses a non-object input, a bad actor and a non-boolean force', () => {
    expect(parseCommand('end', 'now', op).ok).toBe(false);
    expect(parseCommand('end', { actor: { kind: 'robot' } }, op).ok).toBe(false);
    expect(parseCommand('reopen', { force: 'yes' }, op).ok).toBe(false);
  });

  it('treats a pick as the picking agent acting for themselves', () => {
    const p = parseCommand('pick', { agentId: 'alice' }, op);
    expect(p.ok && p.command).toEqual({ op: 'pick', agentId: 'alice', force: false, actor: { kind: 'agent', id: 'alice' } });
  });

  it('needs exactly one transfer target', () => {
    expect(parseCommand('transfer', {}, op).ok).toBe(false);
    expect(parseCommand('transfer', { toQueueId: 'q', toAgentId: 'a' }, op).ok).toBe(false);
    const p = parseCommand('transfer', { toAgentId: 'bob', force: true }, op);
    expect(p.ok && p.command).toEqual({ op: 'transfer', to: { agentId: 'bob' }, force: true, actor: op });
  });

  it('accepts a signal without input as the operator', () => {
    const p = parseCommand('closeTab', undefined, op);
    expect(p.ok && p.command).toEqual({ op: 'closeTab', actor: op });
  });

  it('carries when the API received an answer to an offer, refusing anything but an ISO 8601 instant', () => {
    const sentAt = '2026-12-07T10:00:00.000Z';
    const agent = { kind: 'agent', id: 'ann' } as const;
    expect(parseCommand('accept', { sentAt, actor: agent }, op)).toEqual({ ok: true, command: { op: 'accept', sentAt, actor: agent } });
    const decline = parseCommand('decline', { reason: 'busy', sentAt, actor: agent }, op);
    expect(decline.ok && decline.command).toEqual({ op: 'decline', reason: 'busy', sentAt, actor: agent });
    for (const bad of ['yesterday', '2026-12-07', 1765000000000, '2026-13-40T99:00:00Z']) {
      const p = parseCommand('accept', { sentAt: bad }, op);
      expect(!p.ok && p.refusal).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'sentAt' } });
    }
  });
});

describe('start input', () => {
  const ok = { conversationId: 'c1', queueId: 'default', channel: 'chat', customer: { id: 'cust' } };
  it('accepts a minimal start', () => expect(startInputError(ok)).toBeNull());
  it.each([
    [{ ...ok, conversationId: '' }, /conversationId/],
    [{ ...ok, channel: 'fax' }, /channel/],
    [{ ...ok, customer: {} }, /customer.id/],
    [{ ...ok, units: 0 }, /units/],
    [{ ...ok, priority: 1.5 }, /priority/],
  ])('rejects %j', (input, message) => expect(startInputError(input)).toMatch(message));
});
