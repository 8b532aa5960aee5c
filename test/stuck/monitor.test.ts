import { Client } from '@temporalio/client';
import pino from 'pino';
import { createStore } from '../../src/store';
import type { Store } from '../../src/store/store';
import { reportWorkflowTaskFailure } from '../../src/stuck/failure-feed';
import { StuckWorkflowMonitor } from '../../src/stuck/monitor';
import type { WorkflowTaskHealth } from '../../src/stuck/workflow-task-health';

const WF = 'conversation-c1';
const RUN = '01a24ef2-4bd7-7a51-b01e-288f31db0e7f';

function failing(failedAttempts: number, patch: Partial<Extract<WorkflowTaskHealth, { kind: 'failing' }>> = {}): WorkflowTaskHealth {
  return {
    kind: 'failing',
    runId: RUN,
    workflowType: 'conversationWorkflow',
    failedAttempts,
    cause: 'NON_DETERMINISTIC_ERROR',
    message: '[TMPRL1100] Nondeterminism error',
    since: '2025-01-01T00:00:00.000Z',
    ...patch,
  };
}

describe('the stuck workflow monitor', () => {
  let store: Store;
  let health: WorkflowTaskHealth;
  let monitor: StuckWorkflowMonitor;
  const inspected: string[] = [];

  beforeEach(async () => {
    store = await createStore({ databaseUrl: null, sqliteFile: ':memory:' });
    inspected.length = 0;
    monitor = new StuckWorkflowMonitor({
      // Never connects: inspect and findRun stand in for Temporal.
      client: new Client(),
      store,
      logger: pino({ level: 'silent' }),
      inspect: (workflowId) => {
        inspected.push(workflowId);
        return Promise.resolve(health);
      },
      findRun: (runId) => Promise.resolve(runId === RUN ? WF : null),
    }).start();
  });

  afterEach(async () => {
    await monitor.stop();
    await store.close();
  });

  it('does not record a workflow after a single failed attempt, and forgets it once it makes progress', async () => {
    reportWorkflowTaskFailure({ runId: RUN, cause: 'NON_DETERMINISTIC_ERROR', message: 'm' });
    health = failing(1);
    await monitor.check();
    expect(inspected).toEqual([WF]);
    expect(await store.countStuckWorkflows()).toBe(0);
    health = { kind: 'healthy', runId: RUN };
    await monitor.check();
    await monitor.check();
    // Forgotten: checked once healthy, then no more.
    expect(inspected).toEqual([WF, WF]);
    expect(await store.countStuckWorkflows()).toBe(0);
  });

  it('records it once two attempts in a row failed, with the history’s cause and message', async () => {
    reportWorkflowTaskFailure({ runId: RUN, cause: 'NON_DETERMINISTIC_ERROR', message: 'from the worker' });
    health = failing(2);
    await monitor.check();
    expect(await store.getStuckWorkflow(WF)).toMatchObject({
      runId: RUN,
      conversationId: 'c1',
      cause: 'NON_DETERMINISTIC_ERROR',
      message: '[TMPRL1100] Nondeterminism error',
      attempts: 2,
      failingSince: '2025-01-01T00:00:00.000Z',
    });
  });

  it('takes the worker’s cause and message when the history only shows a timeout (a failure after a killed worker)', async () => {
    reportWorkflowTaskFailure({ runId: RUN, cause: 'NON_DETERMINISTIC_ERROR', message: 'from the worker' });
    health = failing(3, { cause: 'TIMED_OUT', message: null });
    await monitor.check();
    expect(await store.getStuckWorkflow(WF)).toMatchObject({ cause: 'NON_DETERMINISTIC_ERROR', message: 'from the worker', attempts: 3 });
  });

  it('keeps checking a recorded workflow (as any process’s monitor would) and clears it once it progresses, ends or is reset', async () => {
    for (const recovered of [
      { kind: 'healthy', runId: RUN },
      { kind: 'gone' },
      failing(1),
      failing(4, { runId: 'another-run' }),
    ] as const) {
      await store.recordStuckWorkflow({
        workflowId: WF,
        runId: RUN,
        conversationId: 'c1',
        workflowType: 'conversationWorkflow',
        cause: 'TIMED_OUT',
        message: 'm',
        attempts: 2,
        failingSince: '2025-01-01T00:00:00.000Z',
      });
      health = failing(5, { cause: 'TIMED_OUT', message: null });
      await monitor.check();
      expect(await store.getStuckWorkflow(WF)).toMatchObject({ runId: RUN, attempts: 5, message: 'm' });
      health = recovered;
      await monitor.check();
      const now = await store.getStuckWorkflow(WF);
      // A reset's new run failing again is a new entry; otherwise nothing is left.
      expect(now?.runId ?? null).toBe(recovered.kind === 'failing' && recovered.failedAttempts >= 2 ? 'another-run' : null);
      if (now) await store.clearStuckWorkflow(WF, now.runId);
    }
  });
});
