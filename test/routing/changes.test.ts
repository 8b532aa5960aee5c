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
