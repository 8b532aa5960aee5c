// A PostgreSQL restart ends every connection, including one a transaction is
// using. That write fails (the caller retries or answers 503); the process must
// not die of it, and the next write must work. Found by the cluster fault run
// (`CHAOS_TEMPORAL=cluster npm run chaos`): a restart during a write killed the
// process with "Connection terminated unexpectedly", an 'error' event on a
// pooled connection that nobody listened to while it was checked out.
import { Client } from 'pg';
import type { Store } from '../../src/store';
import { createStore } from '../../src/store';
import { createTestSchema } from '../helpers/postgres-schema';
import { describeWhen, postgresMissing } from '../helpers/prerequisites';
import { until } from '../workflows/conversation-fixture';
import { enqueue } from './store-fixtures';

const url = process.env.TEST_DATABASE_URL ?? '';

describeWhen(postgresMissing(), 'PostgreSQL store losing a connection mid-transaction', () => {
  let schema: string;
  let drop: () => Promise<void>;
  let store: Store;
  const clients: Client[] = [];
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => void uncaught.push(error);

  const raw = async (): Promise<Client> => {
    const client = new Client({ connectionString: url, options: `-c search_path=${schema}` });
    await client.connect();
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    ({ schema, drop } = await createTestSchema(url, 'conn_loss_test'));
    store = await createStore({ databaseUrl: url, postgresSchema: schema, sqliteFile: ':memory:' });
    // Jest would otherwise report the crash against whichever test runs then; here it is this one's finding.
    process.prependListener('uncaughtException', onUncaught);
  });
  afterEach(async () => {
    process.removeListener('uncaughtException', onUncaught);
    for (const c of clients.splice(0)) await c.end().catch(() => undefined);
    await store.close();
    await drop();
  });

  it('fails the write whose connection is terminated, without an uncaught error, and the next write works', async () => {
    await enqueue(store, 'before');
    // Hold the write inside its transaction: a lock it has to wait for.
    const holder = await raw();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE conversations IN ACCESS EXCLUSIVE MODE');
    const write = enqueue(store, 'cut-off');
    const outcome = write.then(
      () => 'committed',
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    const observer = await raw();
    let victim: number | null = null;
    await until(async () => {
      const { rows } = await observer.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid)) AND backend_type = 'client backend'",
        [(await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid],
      );
      victim = rows[0]?.pid ?? null;
      return victim !== null;
    });
    await observer.query('SELECT pg_terminate_backend($1)', [victim]);
    await holder.query('ROLLBACK');

    expect(await outcome).not.toBe('committed');
    // Give the dropped socket's events their turn before looking for an uncaught error.
    await new Promise((resolve) => setImmediate(resolve));
    expect(uncaught).toEqual([]);
    await enqueue(store, 'after');
    expect((await store.listQueueEntries('default')).map((e) => e.conversationId).sort()).toEqual(['after', 'before']);
  });
});
