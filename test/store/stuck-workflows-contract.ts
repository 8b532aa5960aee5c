import { StoreError } from '../../src/store';
import type { StuckWorkflowInput } from '../../src/store/stuck/stuck-workflows';
import type { ApiTablesContext } from './api-tables-contract';
import { enqueue } from './store-fixtures';

function stuck(workflowId: string, patch: Partial<StuckWorkflowInput> = {}): StuckWorkflowInput {
  return {
    workflowId,
    runId: 'run-1',
    conversationId: workflowId.startsWith('conversation-') ? workflowId.slice('conversation-'.length) : null,
    workflowType: workflowId.startsWith('conversation-') ? 'conversationWorkflow' : 'queueDispatcherWorkflow',
    cause: 'NON_DETERMINISTIC_ERROR',
    message: '[TMPRL1100] Nondeterminism error: Timer machine does not handle this event',
    attempts: 2,
    failingSince: '2024-12-31T23:59:00.000Z',
    ...patch,
  };
}

/** The contract of the stuck-workflow registry (migration 14): what the monitors record and every API process reads. */
export function describeStuckWorkflows(ctx: ApiTablesContext): void {
  describe('stuck workflows', () => {
    it('records a stuck workflow, lists it with its conversation’s state and counts it', async () => {
      const store = ctx.store();
      await enqueue(store, 'c1');
      const recorded = await store.recordStuckWorkflow(stuck('conversation-c1'));
      expect(recorded).toEqual({
        ...stuck('conversation-c1'),
        detectedAt: '2025-01-01T00:00:00.000Z',
        checkedAt: '2025-01-01T00:00:00.000Z',
      });
      await store.recordStuckWorkflow(stuck('queue-dispatcher-default', { failingSince: '2024-12-31T23:00:00.000Z' }));
      const other = await ctx.openAnother();
      expect(await other.getStuckWorkflow('conversation-c1')).toEqual(recorded);
      expect(await other.countStuckWorkflows()).toBe(2);
      expect((await other.listStuckWorkflows(10)).map((s) => [s.workflowId, s.conversationId, s.state])).toEqual([
        ['queue-dispatcher-default', null, null],
        ['conversation-c1', 'c1', 'Open'],
      ]);
      expect(await other.listStuckWorkflows(1)).toHaveLength(1);
      // A monitor's round starts with the entry checked longest ago.
      ctx.clock().tick();
      await store.recordStuckWorkflow(stuck('conversation-c1', { attempts: 3 }));
      expect((await other.stuckWorkflowsToCheck(10)).map((s) => s.workflowId)).toEqual(['queue-dispatcher-default', 'conversation-c1']);
      expect(await other.stuckWorkflowsToCheck(1)).toHaveLength(1);
      expect(await store.getStuckWorkflow('conversation-none')).toBeNull();
    });

    it('refreshes the same run keeping when it was detected and began failing; a new run replaces the entry', async () => {
      const store = ctx.store();
      const first = await store.recordStuckWorkflow(stuck('conversation-c1'));
      ctx.clock().tick();
      const again = await store.recordStuckWorkflow(
        stuck('conversation-c1', { attempts: 5, failingSince: '2025-01-01T00:00:00.000Z', cause: 'TIMED_OUT', message: 'later' }),
      );
      expect(again).toEqual({
        ...first,
        attempts: 5,
        cause: 'TIMED_OUT',
        message: 'later',
        checkedAt: '2025-01-01T00:00:01.000Z',
      });
      ctx.clock().tick();
      const reset = await store.recordStuckWorkflow(stuck('conversation-c1', { runId: 'run-2', failingSince: '2025-01-01T00:00:01.500Z' }));
      expect(reset).toMatchObject({
        runId: 'run-2',
        failingSince: '2025-01-01T00:00:01.500Z',
        detectedAt: '2025-01-01T00:00:02.000Z',
        attempts: 2,
      });
      expect(await store.countStuckWorkflows()).toBe(1);
    });

    it('clears only the entry of the run that recovered', async () => {
      const store = ctx.store();
      await store.recordStuckWorkflow(stuck('conversation-c1', { runId: 'run-2' }));
      expect(await store.clearStuckWorkflow('conversation-c1', 'run-1')).toBe(false);
      expect(await store.countStuckWorkflows()).toBe(1);
      expect(await store.clearStuckWorkflow('conversation-c1', 'run-2')).toBe(true);
      expect(await store.clearStuckWorkflow('conversation-c1', 'run-2')).toBe(false);
      expect(await store.countStuckWorkflows()).toBe(0);
      expect(await store.listStuckWorkflows(1000)).toEqual([]);
    });

    it('keeps the first 1,000 characters of a long message, and refuses a malformed entry without storing it', async () => {
      const store = ctx.store();
      const long = await store.recordStuckWorkflow(stuck('conversation-c1', { message: 'x'.repeat(5000) }));
      expect(long.message).toHaveLength(1000);
      for (const bad of [
        stuck('conversation-c2', { attempts: 0 }),
        stuck('conversation-c2', { runId: '' }),
        stuck('conversation-c2', { failingSince: 'yesterday' }),
      ]) {
        await expect(store.recordStuckWorkflow(bad)).rejects.toBeInstanceOf(StoreError);
      }
      await expect(store.listStuckWorkflows(0)).rejects.toBeInstanceOf(StoreError);
      expect(await store.countStuckWorkflows()).toBe(1);
    });
  });
}
