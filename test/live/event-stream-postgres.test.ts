import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../src/api/app';
import { EventHub } from '../../src/live/event-hub';
import { createStore } from '../../src/store';
import type { Store } from '../../src/store/store';
import { ADMIN_TOKEN, apiDeps } from '../api/helpers';
import { createTestSchema } from '../helpers/postgres-schema';
import { listen, SseClient } from './sse-client';
import { describeWhen, postgresMissing } from '../helpers/prerequisites';

const url = process.env.TEST_DATABASE_URL ?? '';

describeWhen(postgresMissing(), 'event streams on PostgreSQL', () => {
  let drop: () => Promise<void>;
  const stores: Store[] = [];
  const hubs: EventHub[] = [];
  const servers: { url: string; close: () => Promise<void> }[] = [];
  const clients: SseClient[] = [];
  // Streams touch no workflow: a client that never connects is enough.
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });

  beforeAll(async () => {
    const schema = await createTestSchema(url, 'live_test');
    drop = schema.drop;
    for (let i = 0; i < 3; i++) {
      stores.push(await createStore({ databaseUrl: url, postgresSchema: schema.schema, sqliteFile: ':memory:' }));
    }
    for (const store of stores.slice(0, 2)) {
      const hub = new EventHub(store, { heartbeatMs: 200 });
      hubs.push(hub);
      servers.push(await listen(createApp({ ...apiDeps(store, temporal, 'unused'), live: { hub } })));
    }
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const hub of hubs) hub.close();
    for (const server of servers) await server.close();
    for (const store of stores) await store.close();
    await temporal.connection.close().catch(() => undefined);
    await drop?.();
  });

  it('streams every event written by a third process from both API processes, in order', async () => {
    for (const server of servers) {
      const client = await SseClient.open(server.url, ADMIN_TOKEN);
      clients.push(client);
      await client.ready();
    }
    const writer = stores[2] as Store;
    const start = (await writer.eventLogBounds()).latestId;
    await writer.upsertQueue({ id: 'returns' });
    await writer.upsertAgent({ id: 'dave', queues: ['returns'], presence: 'Offline' });
    for (const presence of ['Available', 'Away', 'Offline'] as const) await writer.setPresence('dave', presence);
    const written = (await writer.listEvents(start, 1000)).map((e) => e.id);
    expect(written.length).toBeGreaterThanOrEqual(4);
    for (const client of clients) {
      await client.reached(written[written.length - 1] as number);
      expect(client.events.map((e) => e.id)).toEqual(written);
      expect(client.events.filter((e) => e.type === 'agent.presence').map((e) => e.data.presence)).toEqual([
        'Offline',
        'Available',
        'Away',
        'Offline',
      ]);
    }
  });
});
