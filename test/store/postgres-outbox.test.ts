import { Client } from 'pg';
import type { Store } from '../../src/store';
import { MIGRATIONS } from '../../src/store/backends/migrations';
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

  it('keeps the ids of an outbox written before ids had a table of their own, and numbers the rest after them in order', async () => {
    // The schema as version 16 left it: ids in the event rows, some still unnumbered.
    const old = await raw();
    await old.query('BEGIN');
    await old.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const m of MIGRATIONS.filter((m) => m.version <= 16)) {
      await old.query(m.postgres);
      await old.query("INSERT INTO schema_migrations VALUES ($1, $2, '2025-01-01T00:00:00.000Z')", [m.version, m.name]);
    }
    await old.query('COMMIT');
    for (const marker of ['one', 'two', 'three']) await insertEvent(old, marker);
    // The first two numbered by the old sequencer (ids 7 and 8: earlier ones pruned), the third not yet.
    await old.query('UPDATE events SET id = seq + 6 WHERE seq <= 2');
    await old.query("INSERT INTO store_meta (key, value) VALUES ('events_pruned_through', '6')");
    // A writer still open when the upgrade starts: the upgrade waits for it to end.
    const writer = await raw();
    await writer.query('BEGIN');
    await insertEvent(writer, 'four');
    const writerPid = Number((await writer.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    const opening = open();
    const observer = await raw();
    await until(
      async () =>
        Number(
          (await observer.query('SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))', [writerPid])).rows[0]
            .n,
        ) > 0,
    );
    await writer.query('COMMIT');
    const store = await opening;
    await insertEvent(old, 'five');
    store.onEvents(() => undefined);
    await until(async () => (await store.listEvents(9, 100)).length === 2);
    expect((await store.listEvents(6, 100)).map((e) => [e.id, (e.data as unknown as { marker: string }).marker])).toEqual([
      [7, 'one'],
      [8, 'two'],
      [9, 'three'],
      [10, 'four'],
      [11, 'five'],
    ]);
    expect(await store.eventLogBounds()).toEqual({ latestId: 11, prunedThrough: 6 });
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
