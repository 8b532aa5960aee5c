import type { ApiTablesContext } from './api-tables-contract';
import { view } from './store-fixtures';

/** The contract of the supervisor's conversation list (ConversationReadModel.listConversations). */
export function describeConversationList(ctx: ApiTablesContext): void {
  describe('conversation list', () => {
    async function write(id: string, patch: Parameters<typeof view>[1]): Promise<void> {
      await ctx.store().applyConversation({ view: view(id, patch), release: false, dequeue: false, enqueue: null });
    }

    it('lists conversations newest first, filtered by state, queue and agent together, and bounded', async () => {
      await ctx.store().upsertQueue({ id: 'billing' });
      await write('c1', { createdAt: '2025-01-01T00:00:01.000Z' });
      await write('c2', { createdAt: '2025-01-01T00:00:02.000Z', state: 'Active', agentId: 'a1', queueId: 'billing' });
      await write('c3', { createdAt: '2025-01-01T00:00:03.000Z', state: 'Active', agentId: 'a2' });
      await write('c4', { createdAt: '2025-01-01T00:00:04.000Z', state: 'Closed', agentId: 'a1', closedAt: '2025-01-01T00:00:05.000Z' });
      const ids = async (filter: Parameters<ReturnType<typeof ctx.store>['listConversations']>[0]) =>
        (await ctx.store().listConversations(filter)).map((c) => c.conversationId);
      expect(await ids({ limit: 10 })).toEqual(['c4', 'c3', 'c2', 'c1']);
      expect(await ids({ limit: 2 })).toEqual(['c4', 'c3']);
      expect(await ids({ state: 'Active', limit: 10 })).toEqual(['c3', 'c2']);
      expect(await ids({ agentId: 'a1', limit: 10 })).toEqual(['c4', 'c2']);
      expect(await ids({ queueId: 'billing', state: 'Active', agentId: 'a1', limit: 10 })).toEqual(['c2']);
      expect(await ids({ queueId: 'default', state: 'Open', limit: 10 })).toEqual(['c1']);
      expect(await ids({ agentId: 'nobody', limit: 10 })).toEqual([]);
      await expect(ctx.store().listConversations({ limit: 0 })).rejects.toThrow(/limit/);
      await expect(ctx.store().listConversations({ limit: 1001 })).rejects.toThrow(/limit/);
    });
  });
}
