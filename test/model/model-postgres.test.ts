import { Client } from 'pg';
import { PostgresBackend } from '../../src/store/backends/postgres';
import { createTestSchema } from '../helpers/postgres-schema';
import { describeWhen, postgresMissing } from '../helpers/prerequisites';
import { checkModel } from './conversation-model';
import type { ModelTime } from './system';
import { seedModelStore } from './system';

// MODEL_RUNS sets how many runs (CI: the default).
const RUNS = Number(process.env.MODEL_RUNS ?? 2_000);
const url = process.env.TEST_DATABASE_URL ?? '';

/** The schema's tables, every table after those its foreign keys point to. */
async function tablesInOrder(admin: Client, schema: string): Promise<string[]> {
  const tables = (
    await admin.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations'", [
      schema,
    ])
  ).rows.map((r) => r.t);
  const edges = (
    await admin.query<{ child: string; parent: string }>(
      `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
         JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE k.contype = 'f' AND n.nspname = $1 AND c.relname <> p.relname`,
      [schema],
    )
  ).rows;
  const ordered: string[] = [];
  const visit = (t: string, path: string[]): void => {
    if (ordered.includes(t)) return;
    if (path.includes(t)) throw new Error(`foreign keys form a cycle: ${[...path, t].join(' -> ')}`);
    for (const e of edges.filter((x) => x.child === t)) visit(e.parent, [...path, t]);
    ordered.push(t);
  };
  for (const t of tables) visit(t, []);
  return ordered;
}

describeWhen(postgresMissing(), 'on PostgreSQL', () => {
  describe('conversations, routing and the store under generated steps from every actor (PostgreSQL)', () => {
    let drops: (() => Promise<void>)[] = [];
    let admin: Client | undefined;
    afterAll(async () => {
      await admin?.end();
      for (const drop of drops) await drop();
    });

    it(`keeps every invariant after every step and once quiet, over ${RUNS} generated sequences`, async () => {
      const store = await createTestSchema(url, 'model');
      const seeded = await createTestSchema(url, 'model_seed');
      drops = [store.drop, seeded.drop];
      admin = new Client({ connectionString: url });
      await admin.connect();
      // The backend's clock reads the current run's time.
      let time: ModelTime = { now: 0 };
      const backend = new PostgresBackend({ connectionString: url, schema: store.schema, clock: () => new Date(time.now) });
      // Seeded once; each run starts from a copy of the seeded rows (one round trip, no migrations, no TRUNCATE).
      let restore = '';
      try {
        await checkModel(
          async (runTime) => {
            time = runTime;
            if (!restore) {
              await seedModelStore(backend);
              const tables = await tablesInOrder(admin as Client, store.schema);
              for (const t of tables) await admin?.query(`CREATE TABLE ${seeded.schema}.${t} AS SELECT * FROM ${store.schema}.${t}`);
              const deletes = [...tables].reverse().map((t) => `DELETE FROM ${store.schema}.${t};`);
              const inserts = tables.map(
                (t) => `INSERT INTO ${store.schema}.${t} OVERRIDING SYSTEM VALUE SELECT * FROM ${seeded.schema}.${t};`,
              );
              restore = ['BEGIN;', ...deletes, ...inserts, 'COMMIT;'].join('\n');
            } else {
              await admin?.query(restore);
            }
            return backend;
          },
          async () => undefined,
          RUNS,
        );
      } finally {
        await backend.close();
      }
      // About 12 minutes on a quiet two-core machine; beside a CPU-burning process and the rest of the
      // suite it passed 30 minutes (2026-12-07), so the bound is an hour.
    }, 3_600_000);
  });
});
