/**
 * `node dist/bench/split/commit-order.js`: how many write transactions per
 * second PostgreSQL commits when every transaction takes one advisory lock
 * before its last insert and holds it to commit, as the store's event outbox
 * does (src/store/postgres-backend.ts, `lockEvents`), against the same
 * transactions without that lock. 16 connections, 10 s each, in a fresh
 * schema of BENCH_DATABASE_URL (or TEST_DATABASE_URL), dropped at the end.
 * The first figure bounds the store's writes per second on one schema.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const CONNECTIONS = 16;
const SECONDS = 10;

async function rate(url: string, schema: string, locked: boolean): Promise<number> {
  const clients = await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const c = new Client({ connectionString: url, options: `-c search_path=${schema}` });
      await c.connect();
      return c;
    }),
  );
  let done = 0;
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    clients.map(async (c, i) => {
      // Bounded by time: each loop ends at `until`.
      while (performance.now() < until) {
        await c.query('BEGIN');
        await c.query('INSERT INTO rows_ (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v', [
          `k${i}-${done % 100}`,
          done,
        ]);
        if (locked) await c.query('SELECT pg_advisory_xact_lock(1701999732, 1)');
        await c.query('INSERT INTO events_ (data) VALUES ($1)', ['{}']);
        await c.query('COMMIT');
        done += 1;
      }
    }),
  );
  await Promise.all(clients.map((c) => c.end()));
  return done / SECONDS;
}

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('set BENCH_DATABASE_URL (or TEST_DATABASE_URL)');
  const schema = `bench_commit_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  try {
    await admin.query(`CREATE TABLE ${schema}.rows_ (k text PRIMARY KEY, v bigint)`);
    await admin.query(`CREATE TABLE ${schema}.events_ (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, data text)`);
    const settings = await admin.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'commit_delay')",
    );
    const free = await rate(url, schema, false);
    const serial = await rate(url, schema, true);
    console.log(
      `PostgreSQL ${settings.rows.map((r) => `${r.name}=${r.setting}`).join(' ')}; ${CONNECTIONS} connections, ${SECONDS} s each`,
    );
    console.log(`write transactions/s without the events lock: ${free.toFixed(0)}`);
    console.log(`write transactions/s with the events lock held to commit: ${serial.toFixed(0)} (${(serial / free).toFixed(2)}x)`);
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
