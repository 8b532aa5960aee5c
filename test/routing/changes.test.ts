import type { Router } from '../../src/routing';
import { RoutingChanges } from '../../src/routing';
import { createStore } from '../../src/store';

/** A router whose Temporal is unreachable: every poke fails. */
const unreachable: Router = {
  poke: () => Promise.reject(new Error('14 UNAVAILABLE: connection refused')),
  deliver: () => Promise.reject(new Error('14 UNAVAILABLE: connection refused')),
  reroute: () => Promise.reject(new Error('14 UNAVAILABLE: connection refused')),
};

describe('routing changes when Temporal is unreachable', () => {
  it('keeps the store change and reports the lost poke instead of failing the caller', async () => {
    const store = await createStore({ databaseUrl: null, sqliteFile: ':memory:' });
    const logged: string[] = [];
    try {
      const changes = new RoutingChanges(store, unreachable, (m) => logged.push(m));
      await changes.upsertAgent({ id: 'alice', queues: ['default'] });
      expect(await changes.setPresence('alice', 'Available')).toMatchObject({ presence: 'Available' });
      expect((await store.getAgent('alice'))?.presence).toBe('Available');
      expect(logged).toHaveLength(2);
      expect(logged[1]).toMatch(/default.*UNAVAILABLE.*sweep/);
    } finally {
      await store.close();
    }
  });
});
