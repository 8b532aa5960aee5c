import type { StuckWorkflow } from '../../src/store/stuck/stuck-workflows';
import type { FailingTask } from '../../src/stuck/stuck-entry';
import { isStuck, stuckEntry } from '../../src/stuck/stuck-entry';

const RUN = '01a24ef2-4bd7-7a51-b01e-288f31db0e7f';

function failing(failedAttempts: number, patch: Partial<FailingTask> = {}): FailingTask {
  return {
    kind: 'failing',
    runId: RUN,
    workflowType: 'conversationWorkflow',
    failedAttempts,
    cause: 'WORKFLOW_WORKER_UNHANDLED_FAILURE',
    message: 'boom',
    since: '2025-01-01T00:00:00.000Z',
    ...patch,
  };
}

const timedOut = (n: number) => failing(n, { cause: 'TIMED_OUT', message: null });

describe('when a failing workflow counts as stuck', () => {
  it('never after a single failed attempt: one failure is often transient', () => {
    expect(isStuck(failing(1), null)).toBe(false);
    expect(isStuck(failing(1), { cause: 'NON_DETERMINISTIC_ERROR' })).toBe(false);
    expect(isStuck({ kind: 'healthy', runId: RUN }, null)).toBe(false);
    expect(isStuck({ kind: 'gone' }, { cause: 'NON_DETERMINISTIC_ERROR' })).toBe(false);
  });

  it('after 2 attempts in a row once a failure is known (history, a worker, an earlier entry), after 3 on timeouts alone', () => {
    expect(isStuck(failing(2), null)).toBe(true);
    expect(isStuck(timedOut(2), { cause: 'NON_DETERMINISTIC_ERROR' })).toBe(true);
    // Two workers killed in a row inside the task also time it out twice.
    expect(isStuck(timedOut(2), null)).toBe(false);
    expect(isStuck(timedOut(2), { cause: 'TIMED_OUT' })).toBe(false);
    expect(isStuck(timedOut(3), null)).toBe(true);
  });
});

describe('the entry recorded for a stuck workflow', () => {
  it('names the conversation of a conversation workflow, none for other workflows', () => {
    expect(stuckEntry('conversation-c1', failing(2), null, null)).toEqual({
      workflowId: 'conversation-c1',
      runId: RUN,
      conversationId: 'c1',
      workflowType: 'conversationWorkflow',
      cause: 'WORKFLOW_WORKER_UNHANDLED_FAILURE',
      message: 'boom',
      attempts: 2,
      failingSince: '2025-01-01T00:00:00.000Z',
    });
    expect(stuckEntry('queue-dispatcher-default', failing(2), null, null).conversationId).toBeNull();
  });

  it('says why from what a worker saw, or the earlier entry of this run, when the history shows only a timeout', () => {
    const seen = { cause: 'NON_DETERMINISTIC_ERROR', message: 'seen by a worker', firstSeenMs: Date.parse('2025-01-01T00:00:05Z') };
    expect(stuckEntry('conversation-c1', timedOut(3), seen, null)).toMatchObject({
      cause: 'NON_DETERMINISTIC_ERROR',
      message: 'seen by a worker',
    });
    const earlier: StuckWorkflow = {
      ...stuckEntry('conversation-c1', failing(2), null, null),
      detectedAt: '2025-01-01T00:00:20.000Z',
      checkedAt: '2025-01-01T00:00:20.000Z',
    };
    expect(stuckEntry('conversation-c1', timedOut(4), null, earlier)).toMatchObject({ cause: earlier.cause, message: 'boom', attempts: 4 });
    // Another run's entry says nothing about this one.
    expect(stuckEntry('conversation-c1', timedOut(4), null, { ...earlier, runId: 'other' })).toMatchObject({
      cause: 'TIMED_OUT',
      message: 'Workflow task attempts keep failing or timing out (4 in a row).',
    });
  });
});
