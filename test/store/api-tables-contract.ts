import type { Store } from '../../src/store/store';
import type { TestClock } from './store-fixtures';

/** What the API-table tests need from the surrounding contract suite. */
export interface ApiTablesContext {
  store(): Store;
  openAnother(): Promise<Store>;
  clock(): TestClock;
}

const DAY_MS = 86_400_000;

/** The contract of the tables the HTTP API adds (migrations 2 and 4): messages, agent tokens, idempotency keys. */
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

    it('refuses text PostgreSQL cannot store (NUL, other controls) the same on both backends', async () => {
      const store = ctx.store();
      for (const message of [
        { id: 'm1', conversationId: 'c1', sender: 'customer' as const, text: 'a\u0000b' },
        { id: 'm1', conversationId: 'c1', sender: 'customer' as const, text: 'bell\u0007' },
        { id: 'm\u0000', conversationId: 'c1', sender: 'customer' as const, text: 'ok' },
        { id: 'm1', conversationId: 'c\u0000', sender: 'customer' as const, text: 'ok' },
        { id: 'm1', conversationId: 'c1', sender: 'customer' as const, text: 'x'.repeat(4001) },
        // A lone surrogate has no UTF-8 form: each backend would store its own replacement.
        { id: 'm1', conversationId: 'c1', sender: 'customer' as const, text: 'a\ud800b' },
      ]) {
        await expect(store.addMessage(message)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      }
      expect(await store.listMessages('c1')).toEqual([]);
      const kept = await store.addMessage({ id: 'm2', conversationId: 'c1', sender: 'agent', text: 'tab\tand\r\nnewline' });
      expect(kept.text).toBe('tab\tand\r\nnewline');
    });
  });

  describe('bounds at the store boundary', () => {
    it('refuses agents and queues no API would accept, whoever calls', async () => {
      const store = ctx.store();
      const refused = [
        () => store.upsertAgent({ id: 'a-big', capacity: 2_000_000_000 }),
        () => store.upsertAgent({ id: 'a-nul', name: 'N\u0000' }),
        () => store.upsertAgent({ id: 'a-nul', name: 'N\udc00' }),
        () => store.upsertAgent({ id: 'bad id' }),
        () => store.upsertQueue({ id: 'q-neg', priority: -5 }),
        () => store.upsertQueue({ id: 'q-big', priority: 1_000_001 }),
        () => store.upsertQueue({ id: 'q-units', unitsPerConversation: 1_000_001 }),
        () => store.upsertQueue({ id: 'q-slow', overflow: { afterMs: 1e300, toQueueId: 'default' } }),
        () => store.upsertQueue({ id: 'q-month', overflow: { afterMs: 30 * DAY_MS + 1, toQueueId: 'default' } }),
        () => store.upsertQueue({ id: 'q-nul', name: 'Q\u0000' }),
      ];
      for (const act of refused) await expect(act()).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      for (const id of ['a-big', 'a-nul']) expect(await store.getAgent(id)).toBeNull();
      for (const id of ['q-neg', 'q-big', 'q-units', 'q-slow', 'q-month', 'q-nul']) expect(await store.getQueue(id)).toBeNull();
      expect(
        (await store.upsertQueue({ id: 'q-ok', priority: 1_000_000, overflow: { afterMs: 30 * DAY_MS, toQueueId: 'default' } })).priority,
      ).toBe(1_000_000);
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

    it('stops finding a token once it has expired; one without expiry never does', async () => {
      const store = ctx.store();
      const expiresAt = new Date(ctx.clock().now().getTime() + 60_000).toISOString();
      await store.addAgentToken('a1', 'hash-expiring', expiresAt);
      await store.addAgentToken('a1', 'hash-forever', null);
      expect(await store.findAgentByTokenHash('hash-expiring')).toBe('a1');
      ctx.clock().tick(59_000);
      expect(await store.findAgentByTokenHash('hash-expiring')).toBe('a1');
      ctx.clock().tick(1_000);
      expect(await store.findAgentByTokenHash('hash-expiring')).toBeNull();
      ctx.clock().tick(365 * DAY_MS);
      expect(await store.findAgentByTokenHash('hash-forever')).toBe('a1');
    });

    it('revokes every token of an agent, or every one but the token kept', async () => {
      const store = ctx.store();
      for (const hash of ['h1', 'h2', 'h3']) await store.addAgentToken('a1', hash, null);
      await store.addAgentToken('a2', 'h4', null);
      expect(await store.revokeAgentTokens('a1', 'h3')).toBe(2);
      expect(await store.findAgentByTokenHash('h1')).toBeNull();
      expect(await store.findAgentByTokenHash('h3')).toBe('a1');
      expect(await store.revokeAgentTokens('a1')).toBe(1);
      expect(await store.findAgentByTokenHash('h3')).toBeNull();
      expect(await store.findAgentByTokenHash('h4')).toBe('a2');
      expect(await store.revokeAgentTokens('a1')).toBe(0);
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

    it('refuses keys and scopes with control characters', async () => {
      const store = ctx.store();
      await expect(store.saveIdempotencyRecord('start', 'k\u0000', '{}')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(store.saveIdempotencyRecord('st\u0000art', 'k', '{}')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });
  });
}
