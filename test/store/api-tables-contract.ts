import type { Store } from '../../src/store/store';
import type { TestClock } from './store-fixtures';

/** What the API-table tests need from the surrounding contract suite. */
export interface ApiTablesContext {
  store(): Store;
  openAnother(): Promise<Store>;
  clock(): TestClock;
}

/** The contract of the tables the HTTP API adds (migration 2): messages, agent tokens, idempotency keys. */
export function describeApiTables(ctx: ApiTablesContext): void {
  describe('messages', () => {
    it('keeps messages per conversation in send order with their time', async () => {
      const store = ctx.store();
      await store.addMessage({ id: 'm1', conversationId: 'c1', sender: 'customer', text: 'Hello' });
      ctx.clock().tick();
      await store.addMessage({ id: 'm2', conversationId: 'c1', sender: 'agent', text: 'Hi, how can I help?' });
      await store.addMessage({ id: 'm3', conversationId: 'c2', sender: 'customer', text: 'Other chat' });
      expect(await store.listMessages('c1')).toEqual([
        { id: 'm1', conversationId: 'c1', sender: 'customer', text: 'Hello', createdAt: '2025-01-01T00:00:00.000Z' },
        { id: 'm2', conversationId: 'c1', sender: 'agent', text: 'Hi, how can I help?', createdAt: '2025-01-01T00:00:01.000Z' },
      ]);
      expect((await store.listMessages('c1', 1)).map((m) => m.id)).toEqual(['m1']);
      expect(await store.listMessages('none')).toEqual([]);
    });

    it('stores a retried message once and answers the first version', async () => {
      const store = ctx.store();
      const first = await store.addMessage({ id: 'm1', conversationId: 'c1', sender: 'customer', text: 'Hello' });
      ctx.clock().tick();
      const again = await (await ctx.openAnother()).addMessage({ id: 'm1', conversationId: 'c1', sender: 'customer', text: 'Changed' });
      expect(again).toEqual(first);
      expect(await store.listMessages('c1')).toEqual([first]);
    });

    it('deletes a message idempotently and refuses malformed ones', async () => {
      const store = ctx.store();
      await store.addMessage({ id: 'm1', conversationId: 'c1', sender: 'customer', text: 'Hello' });
      await store.deleteMessage('m1');
      await store.deleteMessage('m1');
      expect(await store.listMessages('c1')).toEqual([]);
      await expect(store.addMessage({ id: '', conversationId: 'c1', sender: 'customer', text: 'x' })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      await expect(store.listMessages('c1', -1)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });
  });

  describe('agent tokens', () => {
    it('finds the agent by token hash, forgets deleted hashes, and ignores a repeated add', async () => {
      const store = ctx.store();
      await store.addAgentToken('a1', 'hash-1');
      await store.addAgentToken('a1', 'hash-1');
      await store.addAgentToken('a2', 'hash-2');
      const other = await ctx.openAnother();
      expect(await other.findAgentByTokenHash('hash-1')).toBe('a1');
      expect(await other.findAgentByTokenHash('hash-2')).toBe('a2');
      expect(await other.findAgentByTokenHash('nope')).toBeNull();
      await store.deleteAgentToken('hash-1');
      expect(await other.findAgentByTokenHash('hash-1')).toBeNull();
    });
  });

  describe('idempotency keys', () => {
    it('keeps the first answer for a key; scopes are separate', async () => {
      const store = ctx.store();
      expect(await store.getIdempotencyRecord('start', 'k1')).toBeNull();
      const first = await store.saveIdempotencyRecord('start', 'k1', '{"n":1}');
      expect(first).toEqual({ scope: 'start', key: 'k1', response: '{"n":1}', createdAt: '2025-01-01T00:00:00.000Z' });
      ctx.clock().tick();
      const second = await (await ctx.openAnother()).saveIdempotencyRecord('start', 'k1', '{"n":2}');
      expect(second).toEqual(first);
      expect(await store.getIdempotencyRecord('start', 'k1')).toEqual(first);
      expect((await store.saveIdempotencyRecord('message', 'k1', '{"n":3}')).response).toBe('{"n":3}');
    });
  });
}
