import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../src/api/app';
import { EventHub } from '../../src/live/event-hub';
import { createStore } from '../../src/store';
import type { Store } from '../../src/store/store';
import { ADMIN_TOKEN, apiDeps } from '../api/helpers';
import { listen, SseClient } from './sse-client';

let store: Store;
let hub: EventHub;
let server: Awaited<ReturnType<typeof listen>>;
const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });

beforeAll(async () => {
  store = await createStore({ sqliteFile: ':memory:' });
  hub = new EventHub(store, { heartbeatMs: 100 });
  server = await listen(createApp({ ...apiDeps(store, temporal, 'unused'), live: { hub } }));
});
afterAll(async () => {
  hub.close();
  await server.close();
  await store.close();
  await temporal.connection.close().catch(() => undefined);
});

it('joins backlog and live feed without a gap or a duplicate while events keep being written', async () => {
  for (let a = 0; a < 4; a++) await store.upsertAgent({ id: `a${a}`, presence: 'Offline' });
  const writes = 1500;
  let written = 0;
  // Four writers flipping presences as fast as the store takes them, while streams join at every point.
  const writing = Promise.all(
    [0, 1, 2, 3].map(async (a) => {
      for (let i = 0; i < writes / 4; i++) {
        await store.setPresence(`a${a}`, i % 2 === 0 ? 'Away' : 'Offline');
        written += 1;
        if (i % 25 === 0) await new Promise((r) => setImmediate(r));
      }
    }),
  );
  const clients: { from: number; client: SseClient }[] = [];
  while (written < writes) {
    const from = Math.max(0, (await store.eventLogBounds()).latestId - 1200 + Math.floor(Math.random() * 1200));
    clients.push({ from, client: await SseClient.open(server.url, ADMIN_TOKEN, { lastEventId: from }) });
    await new Promise((r) => setTimeout(r, 15));
  }
  await writing;
  const latest = (await store.eventLogBounds()).latestId;
  expect(clients.length).toBeGreaterThan(3);
  try {
    for (const { from, client } of clients) {
      await client.waitFor((c) => c.lastId >= latest, `stream from ${from} reaching ${latest}`);
      const expected = (await store.listEvents(from, 10_000)).map((e) => e.id);
      expect({ from, ids: client.events.map((e) => e.id) }).toEqual({ from, ids: expected });
    }
  } finally {
    await Promise.all(clients.map(({ client }) => client.close()));
  }
});
