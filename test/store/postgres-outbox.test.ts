import { Client } from 'pg';
import type { Store } from '../../src/store';
import { createStore } from '../../src/store';
import { createTestSchema } from '../helpers/postgres-schema';
import { describeWhen, postgresMissing } from '../helpers/prerequisites';
import { until } from '../workflows/conversation-fixture';
import { enqueue } from './store-fixtures';

const url = process.env.TEST_DATABASE_URL ?? '';

// The PostgreSQL outbox gives ids after commit (src/store/backends/event-sequencer.ts).
// These drive a transaction the store does not control (a raw connection) to
// stand in for a writer that is slow to commit, or that died after committing.
describeWhen(postgresMissing(), 'PostgreSQL event outbox', () => {
  let schema: string;
  let drop: () => Promise<void>;
  const opened: Store[] = [];
  const clients: Client[] = [];

  const open = async (): Promise<Store> => {
    const store = await createStore({ databaseUrl: url, postgresSchema: schema, sqliteFile: ':memory:' });
    opened.push(store);
    return store;
  };
  const raw = async (): Promise<Client> => {
    const client = new Client({ connectionString: url, options: `-c search_path=${schema}` });
    await client.connect();
    clients.push(client);
    return client;
  };
  const insertEvent = (client: Client, marker: string) =>
    client.query("INSERT INTO events (type, at, data) VALUES ('queue.hours', '2025-01-01T00:00:00.000Z', $1)", [
      JSON.stringify({ marker }),
    ]);
  const markers = async (store: Store, after: number) =>
    (await store.listEvents(after, 1000)).map((e) =>
      e.type === 'queue.hours' ? (e.data as unknown as { marker: string }).marker : e.type,
    );

  beforeEach(async () => {
    ({ schema, drop } = await createTestSchema(url, 'outbox_test'));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.end();
    for (const s of opened.splice(0)) await s.close();
    await drop();
  });

  it('holds back a commit’s events while an earlier writer is still open, then reads both in insertion order, skipping neither', async () => {
    const store = await open();
    const start = (await store.eventLogBounds()).latestId;
    const slow = await raw();
    await slow.query('BEGIN');
    await insertEvent(slow, 'slow');
    // Inserted after the slow writer's event, committed before it.
    const late = enqueue(store, 'late');
    const observer = await raw();
    // Until the later writer has committed.
    await until(
      async () => Number((await observer.query("SELECT count(*) AS n FROM events WHERE conversation_id = 'late'")).rows[0].n) > 0,
    );
    // A reader now must not see the later events: it would move past the slow one's place.
    expect(await markers(store, start)).toEqual([]);
    // The operator's gauge counts them (the slow writer's own event is not committed yet).
    expect((await store.eventBacklog()).unnumbered).toBe(2);
    await slow.query('COMMIT');
    await late;
    expect(await markers(store, start)).toEqual(['slow', 'conversation.state', 'queue.stats']);
    expect(await store.eventBacklog()).toEqual({ unnumbered: 0, oldestAt: null });
  });

  it('numbers the events of a writer that died after its commit once another process listens', async () => {
    const store = await open();
    const start = (await store.eventLogBounds()).latestId;
    const dead = await raw();
    await insertEvent(dead, 'orphan');
    const other = await open();
    let woken = 0;
    const stop = other.onEvents(() => (woken += 1));
    try {
      await until(async () => (await markers(other, start)).length > 0);
      expect(await markers(other, start)).toEqual(['orphan']);
      await until(() => Promise.resolve(woken > 0));
    } finally {
      stop();
    }
  });
});
