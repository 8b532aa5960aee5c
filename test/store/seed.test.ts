import { createStore, seedStore } from '../../src/store';

describe('seeding from the configuration file', () => {
  it('creates missing queues and agents and keeps what changed at run time', async () => {
    const store = await createStore({ databaseUrl: null, sqliteFile: ':memory:' });
    try {
      const seed = {
        queues: [{ id: 'billing', name: 'Billing' }],
        agents: [{ id: 'alice', capacity: 100, presence: 'Available' as const, queues: ['default', 'billing'] }],
      };
      await seedStore(store, seed);
      await store.setPresence('alice', 'Away');
      await store.upsertAgent({ id: 'alice', capacity: 40 });
      await seedStore(store, { ...seed, agents: [...seed.agents, { id: 'bob', queues: ['default'] }] });
      expect(await store.getAgent('alice')).toMatchObject({ presence: 'Away', capacity: 40, queues: ['default', 'billing'] });
      expect(await store.getAgent('bob')).toMatchObject({ queues: ['default'] });
      expect((await store.listQueues()).map((q) => q.id).sort()).toEqual(['billing', 'default']);
    } finally {
      await store.close();
    }
  });
});
