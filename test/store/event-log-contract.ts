import type { StoredEvent } from '../../src/domain/events';
import type { Store } from '../../src/store/store';
import type { ApiTablesContext } from './api-tables-contract';
import { agent, enqueue, view } from './store-fixtures';

/** Events after `after`, as `type[:subject]` strings for readable expectations. */
async function eventsAfter(store: Store, after: number): Promise<StoredEvent[]> {
  return store.listEvents(after, 1000);
}

function describeEvent(e: StoredEvent): string {
  const subject = e.conversationId ?? e.agentId ?? e.queueId;
  return `${e.type}:${subject}`;
}

async function latest(store: Store): Promise<number> {
  return (await store.eventLogBounds()).latestId;
}

/** The contract of the events outbox: every visible change is one event, written in its own transaction, in commit order. */
export function describeEventLog(ctx: ApiTablesContext): void {
  describe('events outbox', () => {
    it('records each change of a conversation, its queue and its agent with increasing ids, in the order they happened', async () => {
      const store = ctx.store();
      await agent(store, 'a1', ['default'], { capacity: 20, presence: 'Offline' });
      const start = await latest(store);
      await enqueue(store, 'c1');
      await store.claim({ conversationId: 'c1', agentId: 'a1', units: 10 });
      await store.applyConversation({
        view: view('c1', { state: 'Active', agentId: 'a1', version: 2 }),
        release: false,
        dequeue: false,
        enqueue: null,
        transition: { from: 'Open', to: 'Active', op: 'pick', actor: { kind: 'agent', id: 'a1' }, at: '2025-01-01T00:00:00.000Z' },
      });
      const events = await eventsAfter(store, start);
      expect(events.map(describeEvent)).toEqual([
        'conversation.state:c1',
        'queue.stats:default',
        'queue.stats:default',
        'agent.capacity:a1',
        'conversation.state:c1',
        'conversation.assigned:c1',
      ]);
      const ids = events.map((e) => e.id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
      expect(events[0]).toMatchObject({ queueId: 'default', data: { from: null, to: 'Open', op: 'start' } });
      expect(events[1]).toMatchObject({
        data: { depth: 1, entered: [{ conversationId: 'c1', priority: 10, enqueuedAt: '2025-01-01T00:00:00.000Z' }], left: [] },
      });
      expect(events[2]).toMatchObject({ data: { depth: 0, oldestEnqueuedAt: null, entered: [], left: ['c1'] } });
      expect(events[3]).toMatchObject({ agentId: 'a1', data: { usedUnits: 10, capacity: 20, conversations: 1 } });
      expect(events[4]).toMatchObject({
        agentId: 'a1',
        data: { from: 'Open', to: 'Active', op: 'pick', actor: { kind: 'agent', id: 'a1' } },
      });
    });

    it('records nothing for a refused change or a retried write', async () => {
      const store = ctx.store();
      await agent(store, 'a1', ['default'], { capacity: 5, presence: 'Offline' });
      await enqueue(store, 'c1');
      const before = await latest(store);
      expect(await store.claim({ conversationId: 'c1', agentId: 'a1', units: 10 })).toMatchObject({ ok: false, code: 'NO_CAPACITY' });
      await enqueue(store, 'c1');
      await expect(store.setPresence('ghost', 'Available')).resolves.toBeNull();
      await store.setPresence('a1', 'Offline');
      expect(await eventsAfter(store, before)).toEqual([]);
    });

    it('records presence changes with the previous presence', async () => {
      const store = ctx.store();
      await agent(store, 'a1', ['default'], { presence: 'Offline' });
      const before = await latest(store);
      await store.setPresence('a1', 'Available');
      await store.upsertAgent({ id: 'a1', presence: 'Away' });
      const events = await eventsAfter(store, before);
      expect(events.map((e) => [e.type, e.data])).toEqual([
        ['agent.presence', { presence: 'Available', previous: 'Offline', reason: null }],
        ['agent.presence', { presence: 'Away', previous: 'Available', reason: null }],
      ]);
    });

    it('reports a queue once per transaction with its final figures, however many entries a dispatch round took', async () => {
      const store = ctx.store();
      for (const id of ['c1', 'c2', 'c3']) await enqueue(store, id);
      await agent(store, 'a1', ['default'], { capacity: 100, presence: 'Available' });
      const before = await latest(store);
      expect(await store.dispatch('default', 10)).toHaveLength(3);
      const stats = (await eventsAfter(store, before)).flatMap((e) => (e.type === 'queue.stats' ? [e] : []));
      // SQLite commits a round in one transaction: one event with every entry that left; PostgreSQL one per match.
      expect(stats.length).toBeGreaterThanOrEqual(1);
      expect(stats[stats.length - 1]?.data).toMatchObject({ depth: 0, oldestEnqueuedAt: null, entered: [] });
      expect(stats.flatMap((e) => e.data.left).sort()).toEqual(['c1', 'c2', 'c3']);
    });

    it("shows a queue's estimated wait only once 20 waits were measured, as a moving average, in the listing and the queue event", async () => {
      const store = ctx.store();
      await agent(store, 'a1', ['default'], { capacity: 1000, presence: 'Available' });
      for (let i = 0; i < 19; i++) await enqueue(store, `c${i}`);
      ctx.clock().tick(10_000);
      expect(await store.dispatch('default', 50)).toHaveLength(19);
      expect((await store.listQueues()).find((q) => q.id === 'default')).toMatchObject({ waitSamples: 19, estimatedWaitMs: null });
      const before = await latest(store);
      await enqueue(store, 'c19'); // arrived with the others, matched 20 s after them
      ctx.clock().tick(10_000);
      expect(await store.dispatch('default', 50)).toHaveLength(1);
      // 19 waits of 10 s, then one of 20 s: 0.9 × 10 s + 0.1 × 20 s.
      expect((await store.listQueues()).find((q) => q.id === 'default')).toMatchObject({ waitSamples: 20, estimatedWaitMs: 11_000 });
      const stats = (await eventsAfter(store, before)).flatMap((e) => (e.type === 'queue.stats' ? [e] : []));
      expect(stats[stats.length - 1]?.data).toMatchObject({ depth: 0, estimatedWaitMs: 11_000, left: ['c19'] });
    });

    it('carries a counted message with its text, and the unread count beside it', async () => {
      const store = ctx.store();
      await enqueue(store, 'c1');
      await store.addMessage({ id: 'm1', conversationId: 'c1', sender: 'customer', text: 'Where is my parcel?' });
      const before = await latest(store);
      await store.applyConversation({
        view: view('c1', { unreadCount: 1, version: 2 }),
        release: false,
        dequeue: false,
        enqueue: null,
        messageId: 'm1',
      });
      const events = await eventsAfter(store, before);
      expect(events.map((e) => [e.type, e.data])).toEqual([
        ['conversation.message', { messageId: 'm1', sender: 'customer', text: 'Where is my parcel?', createdAt: expect.any(String) }],
        ['conversation.unread', { unreadCount: 1 }],
      ]);
    });

    it('prunes old events and remembers how far, so a stream resuming from before knows it missed some', async () => {
      const store = ctx.store();
      await enqueue(store, 'c1');
      const first = await latest(store);
      ctx.clock().tick(60_000);
      await enqueue(store, 'c2');
      const cutoff = new Date(Date.parse('2025-01-01T00:00:30.000Z'));
      expect(await store.pruneEvents(cutoff)).toBeGreaterThan(0);
      const bounds = await store.eventLogBounds();
      expect(bounds.prunedThrough).toBe(first);
      expect((await eventsAfter(store, 0)).every((e) => e.id > first)).toBe(true);
      expect((await eventsAfter(store, 0)).map(describeEvent)).toContain('conversation.state:c2');
    });

    it('wakes listeners of another store instance on the same database after a commit that wrote events', async () => {
      const writer = ctx.store();
      const reader = await ctx.openAnother();
      let woken = 0;
      const stop = reader.onEvents(() => (woken += 1));
      try {
        // PostgreSQL: the listener connects asynchronously; wait for its first (catch-up) wake-up or a moment.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const before = woken;
        await enqueue(writer, 'c1');
        const deadline = Date.now() + 5_000;
        while (woken === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        // SQLite notifies only in the process that wrote (streams run in the same process as the store there).
        if (woken === before) {
          const local = writer.onEvents(() => (woken += 1));
          await enqueue(writer, 'c2');
          await new Promise((resolve) => setTimeout(resolve, 50));
          local();
        }
        expect(woken).toBeGreaterThan(before);
      } finally {
        stop();
      }
    });

    it('gives 16 concurrent writers on four instances ids in commit order, with no gap, and a follower misses none', async () => {
      const a = ctx.store();
      const writers = [a, await ctx.openAnother(), await ctx.openAnother(), await ctx.openAnother()];
      await agent(a, 'a1', ['default'], { capacity: 1_000_000, presence: 'Offline' });
      let cursor = await latest(a);
      const start = cursor;
      const PER_WRITER = 20;
      const expected = 16 * PER_WRITER;
      const seen: number[] = [];
      let entered = 0;
      // Follows the log until every conversation has entered it (PostgreSQL: events become readable just after commit).
      const follow = (async () => {
        const deadline = Date.now() + 60_000;
        while (entered < expected) {
          if (Date.now() > deadline) throw new Error(`the log showed ${entered} of ${expected} conversations entering`);
          for (const e of await a.listEvents(cursor, 1000)) {
            seen.push(e.id);
            cursor = e.id;
            if (e.type === 'conversation.state') entered += 1;
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      })();
      // Four writers per instance, so transactions overlap and commit in another order than they started.
      await Promise.all(
        writers.flatMap((store, w) =>
          [0, 1, 2, 3].map(async (lane) => {
            for (let i = 0; i < PER_WRITER; i++) await enqueue(store, `w${w}-${lane}-${i}`);
          }),
        ),
      );
      await follow;
      const all = await a.listEvents(start, 10_000);
      const ids = all.map((e) => e.id);
      // The follower read every event once, in id order.
      expect(seen).toEqual(ids);
      // No gap: ids run on one by one from where the log stood.
      expect(ids).toEqual(ids.map((_, i) => start + 1 + i));
      // Each writer's conversations entered in the order it committed them.
      const order = all.flatMap((e) => (e.type === 'conversation.state' && e.conversationId ? [e.conversationId] : []));
      expect(order).toHaveLength(expected);
      for (let w = 0; w < 4; w++) {
        for (let lane = 0; lane < 4; lane++) {
          const mine = order.filter((c) => c.startsWith(`w${w}-${lane}-`));
          expect(mine).toEqual(Array.from({ length: PER_WRITER }, (_, i) => `w${w}-${lane}-${i}`));
        }
      }
    });
  });
}
