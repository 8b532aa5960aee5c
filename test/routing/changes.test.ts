import type { Router } from '../../src/routing';
import { RoutingChanges } from '../../src/routing';
import { createStore } from '../../src/store';
import { enqueue } from '../store/store-fixtures';

/** A router whose Temporal is unreachable: every poke fails. */
const unreachable: Router = {
  poke: () => Promise.reject(new Error('14 UNAVAILABLE: connection refused')),
  deliver: () => Promise.reject(new Error('14 UNAVAILABLE: connection refused')),
  reroute: () => Promise.reject(new Error('14 UNAVAILABLE: connection refused')),
};

describe('routing changes when Temporal is unreachable', () => {
  it('keeps the store change and reports the lost signal or poke instead of failing the caller', async () => {
    const store = await createStore({ databaseUrl: null, sqliteFile: ':memory:' });
    const logged: string[] = [];
    try {
      const changes = new RoutingChanges(store, unreachable, (m) => logged.push(m));
      await changes.upsertAgent({ id: 'alice', queues: ['default'] });
      await enqueue(store, 'waiting-1');
      expect(await changes.setPresence('alice', 'Available')).toMatchObject({ presence: 'Available' });
      expect((await store.getAgent('alice'))?.presence).toBe('Available');
      // The match stands (capacity reserved); the dispatcher re-delivers it once Temporal answers.
      expect(await store.listReservations('alice')).toEqual([expect.objectContaining({ conversationId: 'waiting-1' })]);
      await changes.upsertQueue({ id: 'default', priority: 5 });
      expect((await store.getQueue('default'))?.priority).toBe(5);
      expect(logged).toHaveLength(2);
      expect(logged[0]).toMatch(/waiting-1.*UNAVAILABLE.*sweep/);
      expect(logged[1]).toMatch(/default.*UNAVAILABLE.*sweep/);
    } finally {
      await store.close();
    }
  });
});

describe('routing changes', () => {
  it('pokes a changed queue and the queues sharing its members that have work for them (it may have closed by new hours)', async () => {
    const store = await createStore({ databaseUrl: null, sqliteFile: ':memory:' });
    const poked: string[][] = [];
    const recording: Router = {
      poke: async (ids) => {
        poked.push([...ids]);
      },
      deliver: async () => true,
      reroute: async () => true,
    };
    try {
      const changes = new RoutingChanges(store, recording);
      for (const id of ['day', 'chat', 'apart']) await store.upsertQueue({ id });
      // alice is in day and chat, bob only in apart; chat and apart have work, day has none.
      await store.upsertAgent({ id: 'alice', queues: ['day', 'chat'], capacity: 20, presence: 'Offline' });
      await store.upsertAgent({ id: 'bob', queues: ['apart'], capacity: 20, presence: 'Offline' });
      await enqueue(store, 'c1', { queueId: 'chat' });
      await enqueue(store, 'p1', { queueId: 'apart' });
      await store.setPresence('alice', 'Available');
      await store.setPresence('bob', 'Available');
      await changes.upsertQueue({ id: 'day', hours: { timeZone: 'UTC', weekly: {} } });
      expect(poked).toEqual([['day', 'chat']]);
    } finally {
      await store.close();
    }
  });
});
